/* printgated.c - placeholder until the daemon lands in this session. */
int main(void) { return 1; }
