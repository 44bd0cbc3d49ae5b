/*
 * test-csv.c - the streaming CSV writer (printgate/audit.h): RFC 4180
 * quoting (comma, double quote, CR, LF; quotes doubled; CRLF rows), the
 * formula-injection guard (a cell starting with = + - @ tab or CR gets a
 * leading apostrophe, and only such a cell: positive controls "a=b",
 * "1-2", numbers), cells longer than the writer's buffer (written
 * straight through, in order), the audit
 * row's columns, and a write callback that fails stops the writer.
 */

#include "test.h"
#include "printgate/audit.h"
#include "printgate/text.h"

typedef struct sink_s
{
  gw_buffer_t buf;
  int         calls;
  int         fail_after;       /* Fail from this call on (0 = never) */
} sink_t;

static bool
sink_write(const void *bytes, size_t len, void *data)
{
  sink_t *s = (sink_t *)data;

  s->calls ++;
  if (s->fail_after && s->calls >= s->fail_after)
    return (false);
  gwBufferAdd(&s->buf, bytes, len);
  return (!s->buf.failed);
}

/* One cell written alone, as the file holds it. */
static bool
cell_is(const char *in, const char *want)
{
  sink_t    s;
  gw_csv_t *csv;
  bool      ok;

  memset(&s, 0, sizeof(s));
  csv = gwCsvNew(sink_write, &s);
  ok  = csv && gwCsvCell(csv, in) && gwCsvDelete(&csv) && !strcmp(s.buf.data ? s.buf.data : "", want);
  if (!ok)
    printf("  cell [%s] -> [%s], want [%s]\n", in ? in : "(null)", s.buf.data ? s.buf.data : "", want);
  free(s.buf.data);
  return (ok);
}

int
main(void)
{
  static const struct { const char *in, *want; } cells[] =
  {
    { "plain", "plain" },
    { "", "" },
    { NULL, "" },
    { "a,b", "\"a,b\"" },
    { "say \"hi\"", "\"say \"\"hi\"\"\"" },
    { "\"", "\"\"\"\"" },
    { "two\nlines", "\"two\nlines\"" },
    { "cr\rhere", "\"cr\rhere\"" },
    { "=SUM(A1:A9)", "'=SUM(A1:A9)" },
    { "+1", "'+1" },
    { "-2+3", "'-2+3" },
    { "@cmd", "'@cmd" },
    { "\tx", "'\tx" },
    { "\rx", "\"'\rx\"" },
    { "=HYPERLINK(\"http://x\",\"y\")", "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"" },
    { "=1,2", "\"'=1,2\"" },
    { "a=b", "a=b" },                        /* Positive controls: not at the start */
    { "1-2", "1-2" },
    { "me@example.test", "me@example.test" },
    { " =x", " =x" }
  };
  sink_t     s;
  gw_csv_t  *csv;
  gw_audit_t a;
  char      *big;

  TEST_BEGIN("cells: RFC 4180 quoting and the formula guard");
  for (size_t i = 0; i < sizeof(cells) / sizeof(cells[0]); i ++)
    TEST_CHECKF(cell_is(cells[i].in, cells[i].want), "case %d", (int)i);

  TEST_BEGIN("rows: commas between cells, CRLF after each, numbers never guarded");
  memset(&s, 0, sizeof(s));
  csv = gwCsvNew(sink_write, &s);
  TEST_CHECK(gwCsvCell(csv, "a") && gwCsvCellInt(csv, -5) && gwCsvCell(csv, "-5") && gwCsvRowEnd(csv) &&
             gwCsvCellInt(csv, 7) && gwCsvCell(csv, "") && gwCsvRowEnd(csv) && gwCsvDelete(&csv));
  TEST_CHECK(csv == NULL && s.buf.data && !strcmp(s.buf.data, "a,-5,'-5\r\n7,\r\n"));
  free(s.buf.data);
  TEST_CHECK(gwCsvDelete(&csv) && gwCsvNew(NULL, NULL) == NULL);

  TEST_BEGIN("a cell of 100,000 bytes (longer than the buffer) arrives whole and in order");
  memset(&s, 0, sizeof(s));
  big = malloc(100001);
  memset(big, 'x', 100000);
  big[0] = '"';
  big[100000] = '\0';
  csv = gwCsvNew(sink_write, &s);
  TEST_CHECK(gwCsvCell(csv, big) && gwCsvRowEnd(csv) && gwCsvDelete(&csv));
  TEST_CHECK(s.buf.len == 100000 + 1 + 2 + 2 && s.buf.data[0] == '"' && s.buf.data[1] == '"' && s.buf.data[2] == '"' && s.calls >= 2);
  TEST_CHECK(!strncmp(s.buf.data + 100002, "\"\r\n", 3) && strspn(s.buf.data + 3, "x") == 99999);
  free(s.buf.data);

  TEST_BEGIN("a failing write stops the writer and says so");
  memset(&s, 0, sizeof(s));
  s.fail_after = 2;
  csv = gwCsvNew(sink_write, &s);
  TEST_CHECK(!gwCsvCell(csv, big));                /* The 2nd write (the cell's 99,999 x) fails */
  TEST_CHECK(!gwCsvCell(csv, "more") && !gwCsvRowEnd(csv) && !gwCsvFlush(csv) && !gwCsvDelete(&csv));
  TEST_CHECK(s.calls == 2 && s.buf.len == 3);      /* Nothing was tried after the failure */
  free(s.buf.data);
  free(big);

  TEST_BEGIN("the audit CSV: header, then id, UTC time and the row's fields, guarded");
  memset(&s, 0, sizeof(s));
  memset(&a, 0, sizeof(a));
  a.id = 42; a.time = 86400; a.pages = 3;
  snprintf(a.actor, sizeof(a.actor), "=cmd|' /C calc'!A0");
  snprintf(a.action, sizeof(a.action), "job.print");
  snprintf(a.subject, sizeof(a.subject), "bob");
  snprintf(a.printer, sizeof(a.printer), "lobby, 2nd floor");
  snprintf(a.source, sizeof(a.source), "web 192.0.2.1");
  snprintf(a.detail, sizeof(a.detail), "say \"hi\"");
  csv = gwCsvNew(sink_write, &s);
  TEST_CHECK(gwAuditCsvHeader(csv) && gwAuditCsvRow(csv, &a) && gwCsvDelete(&csv));
  TEST_CHECKF(s.buf.data && !strcmp(s.buf.data, "id,time,actor,action,subject,job,printer,pages,source,detail\r\n"
                                                 "42,1970-01-02T00:00:00Z,'=cmd|' /C calc'!A0,job.print,bob,,\"lobby, 2nd floor\",3,web 192.0.2.1,\"say \"\"hi\"\"\"\r\n"),
              "%s", s.buf.data ? s.buf.data : "");
  free(s.buf.data);

  TEST_EXIT();
}
