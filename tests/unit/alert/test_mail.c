/* SPDX-License-Identifier: Apache-2.0 */
/* test_mail.c: the e-mail of an event: RFC 5322 headers, an encoded non-ASCII subject, no
 * header injection, CRLF lines; subject and text from a delivered body. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "alert/deliver_int.h"

/* 2026-12-07T22:42:50Z, a Monday */
#define WHEN 1796683370000000LL

static void headers(void **state)
{
    (void)state;
    const char *to[] = {"soc@example.jp", "bad\r\nBcc: x@evil.example", "noc@example.jp"};
    char *m = alert_mail_message("renkei@hub.example", to, 3, "[renkei] object: c2 server",
                                 "line one\nline two", WHEN);

    assert_non_null(strstr(m, "Date: Mon, 07 Dec 2026 22:42:50 +0000\r\n"));
    assert_non_null(strstr(m, "From: <renkei@hub.example>\r\n"));
    assert_non_null(strstr(m, "To: <soc@example.jp>,\r\n <noc@example.jp>\r\n"));
    assert_non_null(strstr(m, "Subject: [renkei] object: c2 server\r\n"));
    assert_non_null(strstr(m, "@hub.example>\r\n"));
    assert_non_null(strstr(m, "Message-ID: <"));
    assert_non_null(strstr(m, "Content-Type: text/plain; charset=utf-8\r\n"));
    assert_non_null(strstr(m, "\r\n\r\nline one\r\nline two\r\n"));
    assert_null(strstr(m, "Bcc"));
    free(m);
}

static void subject_is_safe_and_encoded(void **state)
{
    (void)state;
    const char *to[] = {"a@b.example"};
    char *m = alert_mail_message("r@h.example", to, 1, "evil\r\nBcc: x@y.example", "", WHEN);
    assert_non_null(strstr(m, "Subject: evil  Bcc: x@y.example\r\n"));
    free(m);
    /* 日本語 repeated: UTF-8, split into encoded words between characters */
    char subject[400] = "[renkei] object: ";
    for (int i = 0; i < 20; i++)
        strcat(subject, "日本語");
    m = alert_mail_message("r@h.example", to, 1, subject, "", WHEN);
    assert_non_null(strstr(m, "Subject: =?UTF-8?B?"));
    assert_non_null(strstr(m, "?=\r\n =?UTF-8?B?"));
    /* every line short enough for SMTP */
    for (char *p = m, *nl; (nl = strstr(p, "\r\n")) != NULL; p = nl + 2)
        assert_true(nl - p <= 78);
    free(m);
}

static void subject_and_text_of_a_body(void **state)
{
    (void)state;
    json_t *body = json_pack("{s:s, s:s, s:s, s:s, s:[s], s:[{s:s, s:s, s:s}]}", "event_id", "7",
                             "kind", "watchlist", "time", "2026-12-07T22:42:50.000000Z",
                             "subscription", "s-1", "watchlist", "example.jp", "objects", "type",
                             "indicator", "id", "indicator--1", "name", "c2 example.jp");
    char *s = alert_mail_subject(body);
    assert_string_equal(s, "[renkei] watchlist: c2 example.jp");
    free(s);
    char *t = alert_mail_text(body);
    assert_non_null(strstr(t, "Event 7 (watchlist)"));
    assert_non_null(strstr(t, "- indicator: c2 example.jp (indicator--1)"));
    assert_non_null(strstr(t, "Watchlist entries mentioned: example.jp"));
    free(t);
    json_object_del(json_array_get(json_object_get(body, "objects"), 0), "name");
    s = alert_mail_subject(body);
    assert_string_equal(s, "[renkei] watchlist: indicator--1");
    free(s);
    json_decref(body);
}

/* alert_mail_send without a server, and with one that is not there: errors that say so. */
static void send_errors(void **state)
{
    (void)state;
    const char *to[] = {"soc@example.jp"};
    struct rk_err err = {0};

    unsetenv("RENKEI_SMTP_URL");
    assert_int_equal(alert_mail_send(to, 1, "s", "b", &err), RK_E_UNSUPPORTED);
    assert_non_null(strstr(err.msg, "RENKEI_SMTP_URL"));
    setenv("RENKEI_SMTP_URL", "smtp://127.0.0.1:1", 1);
    assert_int_equal(alert_mail_send(to, 1, "s", "b", &err), RK_E_IO);
    assert_non_null(strstr(err.msg, "smtp://127.0.0.1:1"));
    const char *bad[] = {"no-at-sign", "x@y\r\nRCPT TO:<z@evil.example>"};
    assert_int_equal(alert_mail_send(bad, 2, "s", "b", &err), RK_E_INVALID);
    assert_non_null(strstr(err.msg, "recipient"));
    unsetenv("RENKEI_SMTP_URL");
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(headers),
        cmocka_unit_test(subject_is_safe_and_encoded),
        cmocka_unit_test(subject_and_text_of_a_body),
        cmocka_unit_test(send_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
