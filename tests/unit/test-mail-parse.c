/*
 * test-mail-parse.c - the mail front-end's bounded parsers, table-driven:
 * MIME parameters and filenames (RFC 2231 continuations and charsets,
 * RFC 2047, cleaning), the subject's option grammar, and the
 * Authentication-Results verdict, with the attacks each must resist.
 */

#include "../../mail/mail-private.h"
#include "test.h"

/*
 * 'decode()' - Split a header value and decode one parameter.
 */

static bool
decode(const char *header, const char *name, char *out, size_t outsize)
{
  char            buf[4096];
  gw_mail_param_t params[GW_MAIL_PARAM_MAX];
  int             n;

  snprintf(buf, sizeof(buf), "%s", header);
  n = gwMailParamSplit(buf, params, GW_MAIL_PARAM_MAX);
  return (gwMailParamDecode(params, n, name, out, outsize));
}

static const struct
{
  const char *header, *name, *want;     /* want NULL = refused */
} fn_cases[] =
{
  { "attachment; filename=\"report.pdf\"", "filename", "report.pdf" },
  { "attachment; filename=report.pdf ; size=3", "filename", "report.pdf" },
  { "attachment; filename*=UTF-8''Report%20%C3%9Cbersicht.pdf", "filename", "Report \xc3\x9c" "bersicht.pdf" },
  { "attachment; filename*0*=UTF-8''Quartals%20; filename*1*=%C3%BCbersicht.docx", "filename", "Quartals \xc3\xbc" "bersicht.docx" },
  { "attachment; filename*1*=%C3%BCbersicht.docx; filename*0*=UTF-8''Quartals%20", "filename", "Quartals \xc3\xbc" "bersicht.docx" },   /* Order does not matter */
  { "attachment; filename*0*=UTF-8''a%20; filename*1=\"b c\"; filename*2*=%21", "filename", "a b c!" },   /* Mixed segments */
  { "attachment; filename*0=a; filename*2=c", "filename", "a" },       /* A gap ends the value */
  { "attachment; filename*=iso-8859-1'de'M%FCller.pdf", "filename", "M\xc3\xbcller.pdf" },
  { "attachment; filename*=UTF-8''%FF%FE.pdf", "filename", NULL },     /* Invalid UTF-8: refused, not passed on */
  { "attachment; filename*=no-such-charset''x.pdf", "filename", NULL },
  { "attachment; filename*=UTF-8'x.pdf", "filename", NULL },           /* One quote only */
  { "attachment; filename=\"=?UTF-8?B?UmVwb3J0IMOcYmVyc2ljaHQucGRm?=\"", "filename", "Report \xc3\x9c" "bersicht.pdf" },
  { "attachment; filename=\"=?ISO-8859-1?Q?M=FCller_Plan.pdf?=\"", "filename", "M\xc3\xbcller Plan.pdf" },
  { "attachment; filename=\"=?UTF-8?Q?a?= =?UTF-8?Q?b?=.pdf\"", "filename", "ab.pdf" },  /* Space between words goes */
  { "attachment; filename=\"=?UTF-8?Q?bad space?=\"", "filename", "=?UTF-8?Q?bad space?=" },   /* Not a word: kept */
  { "inline; name=\"x;y.pdf\"", "name", "x;y.pdf" },                  /* ';' inside quotes */
  { "attachment", "filename", NULL },
  { "attachment; filename*=UTF-8''a; filename=b", "filename", "a" },  /* RFC 2231 wins */
};

static const struct
{
  const char *in, *want;
} clean_cases[] =
{
  { "report.pdf", "report.pdf" },
  { "../../etc/passwd", "passwd" },
  { "C:\\Users\\me\\scan.pdf", "scan.pdf" },
  { "a\x01" "b\x7f" "c.pdf", "a_b_c.pdf" },
  { "...hidden", "hidden" },
  { "caf\xc3\xa9.pdf", "caf\xc3\xa9.pdf" },
  { "bad\xff.pdf", "bad_.pdf" },
  { "\xe0\x80\x80.pdf", "___.pdf" },                                   /* Overlong: each byte replaced */
};

int
main(void)
{
  char              out[1024], why[256], longhdr[8192];
  gw_mail_options_t o;
  size_t            len;

  TEST_BEGIN("filenames: RFC 2231, RFC 2047, plain; refused when undecodable");
  for (size_t i = 0; i < sizeof(fn_cases) / sizeof(fn_cases[0]); i ++)
  {
    bool ok = decode(fn_cases[i].header, fn_cases[i].name, out, sizeof(out));

    if (fn_cases[i].want)
      TEST_CHECKF(ok && !strcmp(out, fn_cases[i].want), "%s -> %s (%d)", fn_cases[i].header, out, ok);
    else
      TEST_CHECKF(!ok, "%s -> %s accepted", fn_cases[i].header, out);
  }

  TEST_BEGIN("filenames: bounded (a 100-segment continuation, a tiny buffer)");
  len = (size_t)snprintf(longhdr, sizeof(longhdr), "attachment");
  for (int i = 0; i < 100; i ++)
    len += (size_t)snprintf(longhdr + len, sizeof(longhdr) - len, "; filename*%d=abcdefgh", i);
  TEST_CHECK(decode(longhdr, "filename", out, sizeof(out)) && strlen(out) == 8 * GW_MAIL_PARAM_SEGMENTS);
  TEST_CHECK(!decode("attachment; filename*=UTF-8''abcdefghij", "filename", out, 5));
  TEST_CHECK(!decode("attachment; filename=\"=?UTF-8?Q?abcdefghij?=\"", "filename", out, 5));

  TEST_BEGIN("filenames: cleaned (no path, no control characters, valid UTF-8, capped)");
  for (size_t i = 0; i < sizeof(clean_cases) / sizeof(clean_cases[0]); i ++)
  {
    gwMailFilenameClean(clean_cases[i].in, out, sizeof(out));
    TEST_CHECKF(!strcmp(out, clean_cases[i].want), "%s -> %s", clean_cases[i].in, out);
  }
  memset(longhdr, 'a', 600);
  memcpy(longhdr + 199, "\xc3\xbc", 2);
  longhdr[600] = '\0';
  gwMailFilenameClean(longhdr, out, sizeof(out));
  TEST_CHECK(strlen(out) == 199);                                       /* Cut before the 2-byte character */

  TEST_BEGIN("subject options: the documented grammar");
  gwMailSubjectParse("Quarterly report copies=2 DUPLEX mono pages=1-3,7 body", &o);
  TEST_CHECK(o.copies == 2 && !strcmp(o.sides, "two-sided-long-edge") && !strcmp(o.color_mode, "monochrome"));
  TEST_CHECK(!strcmp(o.page_ranges, "1-3,7") && o.body && o.unknown_count == 0);
  gwMailSubjectParse("Re: photos colour simplex", &o);
  TEST_CHECK(o.copies == 0 && !strcmp(o.sides, "one-sided") && !strcmp(o.color_mode, "color") && !o.body);
  gwMailSubjectParse("copies=0 copies=1000 copies=2x colr=1 pages=3-1 pages=1-3,7", &o);
  TEST_CHECKF(o.copies == 0 && o.unknown_count == 5 && !strcmp(o.unknown[0], "copies=0") && !strcmp(o.unknown[3], "colr=1"), "%d", o.unknown_count);
  TEST_CHECK(!strcmp(o.page_ranges, "1-3,7"));                          /* The valid one still applies */
  gwMailSubjectParse("copies=3 copies=4", &o);
  TEST_CHECK(o.copies == 4);                                            /* The later one wins */
  gwMailSubjectParse("a=1 b=2 c=3 d=4 e=5 f=6 g=7 h=8 i=9 j=10", &o);
  TEST_CHECK(o.unknown_count == 10 && !strcmp(o.unknown[7], "h=8"));  /* Counted, 8 kept */
  gwMailSubjectParse(NULL, &o);
  TEST_CHECK(o.copies == 0 && o.unknown_count == 0);

  TEST_BEGIN("Authentication-Results: a trusted pass, aligned");
  TEST_CHECK(gwMailAuthResCheck("mx.example.test; dmarc=pass (p=none) header.from=example.test", "mx.example.test", "example.test", why, sizeof(why)) == GW_MAIL_TRUST_PASS);
  TEST_CHECK(gwMailAuthResCheck("mx.example.test 1; spf=pass smtp.mailfrom=alice@example.test", "MX.example.test", "example.test", why, sizeof(why)) == GW_MAIL_TRUST_PASS);
  TEST_CHECK(gwMailAuthResCheck("mx.example.test; dkim=pass (good sig) header.d=mail.example.test header.s=s1", "mx.example.test", "example.test", why, sizeof(why)) == GW_MAIL_TRUST_PASS);
  TEST_CHECK(gwMailAuthResCheck("mx.example.test;\r\n  spf=fail smtp.mailfrom=x@evil.test;\r\n  dkim=pass header.i=@example.test", "mx.example.test", "example.test", why, sizeof(why)) == GW_MAIL_TRUST_PASS);

  TEST_BEGIN("Authentication-Results: not trusted");
  TEST_CHECK(gwMailAuthResCheck("evil.test; dmarc=pass header.from=example.test", "mx.example.test", "example.test", why, sizeof(why)) == GW_MAIL_TRUST_NONE);
  TEST_CHECK(gwMailAuthResCheck("mx.example.test; dmarc=fail header.from=example.test", "mx.example.test", "example.test", why, sizeof(why)) == GW_MAIL_TRUST_FAIL && strstr(why, "dmarc=fail"));
  TEST_CHECK(gwMailAuthResCheck("mx.example.test; spf=pass smtp.mailfrom=bob@evil.test; dkim=pass header.d=evil.test", "mx.example.test", "example.test", why, sizeof(why)) == GW_MAIL_TRUST_FAIL);
  TEST_CHECK(gwMailAuthResCheck("mx.example.test; dmarc=pass header.from=sub.example.test", "mx.example.test", "example.test", why, sizeof(why)) == GW_MAIL_TRUST_FAIL);  /* DMARC: exact domain */
  TEST_CHECK(gwMailAuthResCheck("mx.example.test; spf=pass smtp.mailfrom=x@test", "mx.example.test", "example.test", why, sizeof(why)) == GW_MAIL_TRUST_FAIL);  /* A bare TLD is no parent */
  TEST_CHECK(gwMailAuthResCheck("mx.example.test; spf=pass smtp.mailfrom=x@badexample.test", "mx.example.test", "example.test", why, sizeof(why)) == GW_MAIL_TRUST_FAIL);
  TEST_CHECK(gwMailAuthResCheck("mx.example.test; dmarc=pass (header.from=example.test) header.from=evil.test", "mx.example.test", "example.test", why, sizeof(why)) == GW_MAIL_TRUST_FAIL);  /* A comment is no property */
  TEST_CHECK(gwMailAuthResCheck("mx.example.test; none", "mx.example.test", "example.test", why, sizeof(why)) == GW_MAIL_TRUST_FAIL);
  TEST_CHECK(gwMailAuthResCheck("mx.example.test; dmarc=pass (((((((((deep))))))))) header.from=example.test", "mx.example.test", "example.test", why, sizeof(why)) == GW_MAIL_TRUST_FAIL);
  TEST_CHECK(gwMailAuthResCheck("mx.example.test; dmarc=pass (open header.from=example.test", "mx.example.test", "example.test", why, sizeof(why)) == GW_MAIL_TRUST_FAIL);
  TEST_CHECK(gwMailAuthResCheck("mx.example.test; dmarc=pass header.from=example.test", "", "example.test", why, sizeof(why)) == GW_MAIL_TRUST_NONE);

  TEST_BEGIN("HTML bodies: the text rendering, table-driven");
  {
    static const struct { const char *html, *text; } cases[] =
    {
      { "<p>Hello <b>world</b></p>", "Hello world\n" },
      { "<h1>Title</h1><p>One</p><p>Two</p>", "Title\n\nOne\n\nTwo\n" },
      { "a<br>b<br><br>c", "a\nb\n\nc\n" },
      { "<ul><li>x</li><li>y</li></ul>", "- x\n- y\n" },
      { "<table><tr><td>A</td><td>B</td></tr><tr><td>C</td></tr></table>", "A B\nC\n" },
      { "x<script>alert('<p>no</p>')</script>y", "xy\n" },
      { "x<SCRIPT type=text/javascript>a</SCRIPT >y", "xy\n" },
      { "<style>p{}</style><head><title>t</title></head>body", "body\n" },
      { "a<!-- <p>hidden</p> -->b", "ab\n" },
      { "a<!-- never closed <p>x</p>", "a\n" },
      { "x<script>never closed", "x\n" },
      { "&lt;tag&gt; &amp; &quot;q&quot; &#65;&#x42;&#67", "<tag> & \"q\" ABC\n" },
      { "caf&eacute; &euro;5 &nbsp;x", "caf\xc3\xa9 \xe2\x82\xac" "5 x\n" },
      { "&unknown; & &#0; &#xD800; &#99999999;", "&unknown; & \xef\xbf\xbd \xef\xbf\xbd &#99999999;\n" },
      { "a&shy;b&#173;c", "abc\n" },
      { "  lots   of\n\n\n  space  ", "lots of space\n" },
      { "<pre>a  b\n  c</pre>d", "a b\nc\n\nd\n" },
      { "<img src=\"https://tracker.example/p.gif\" alt=\"pixel\"><a href='https://x.example/?a=\"1>2\"'>link</a>", "link\n" },
      { "<p title=\"a > b\">quoted &gt; in an attribute</p>", "quoted > in an attribute\n" },
      { "x < y and y<3", "x < y and y<3\n" },
      { "ctrl\x01\x7f" "chars", "ctrlchars\n" },
      { "", "" },
      { "<p></p><br><div></div>", "" },
      { "a<hr>b", "a\n----\nb\n" },
      { "<unclosed attr=\"x", "" },
    };
    char res[256];

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i ++)
    {
      size_t n = gwMailHtmlToText(cases[i].html, strlen(cases[i].html), res, sizeof(res));

      TEST_CHECKF(n == strlen(res) && !strcmp(res, cases[i].text), "case %zu: got \"%s\", want \"%s\"", i, res, cases[i].text);
    }
  }

  TEST_BEGIN("HTML bodies: bounded (the output never passes the buffer, gwMailHtmlTextSize always holds it)");
  {
    char   big[4096], small[64], *full;
    size_t n;

    for (size_t i = 0; i < sizeof(big) - 1; i ++)
      big[i] = "<li>&euro;"[i % 10];
    big[sizeof(big) - 1] = '\0';
    n = gwMailHtmlToText(big, strlen(big), small, sizeof(small));
    TEST_CHECK(n < sizeof(small) && small[n] == '\0');
    TEST_CHECK((full = malloc(gwMailHtmlTextSize(strlen(big)))) != NULL);
    if (full)
    {
      n = gwMailHtmlToText(big, strlen(big), full, gwMailHtmlTextSize(strlen(big)));
      TEST_CHECKF(n > 1000 && n < gwMailHtmlTextSize(strlen(big)) - 1 && full[n - 1] == '\n', "%zu", n);   /* Not cut: it ends as a whole text does */
      free(full);
    }
    TEST_CHECK(gwMailHtmlToText("<p>x</p>", 8, small, 1) == 0 && small[0] == '\0');
  }

  TEST_EXIT();
}
