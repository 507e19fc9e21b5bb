#ifndef SWERVE_CHTTPPARSER_SHIM_H
#define SWERVE_CHTTPPARSER_SHIM_H
// Debian's http-parser (libhttp-parser-dev 2.9). Imported only by the REST module
// (its request parser, and the response parser the bench and tests share).
#include <http_parser.h>
#include <stdint.h>

// http_parser keeps `method`, `http_errno` and `upgrade` in C bitfields; these
// accessors give Swift one plain, stable way to read them instead of relying
// on how the importer exposes bitfields.
static inline unsigned swerve_http_method(const http_parser *p) { return p->method; }
static inline unsigned swerve_http_errno(const http_parser *p) { return p->http_errno; }
static inline unsigned swerve_http_upgrade(const http_parser *p) { return p->upgrade; }
// `status_code` is a bitfield too (responses only).
static inline unsigned swerve_http_status_code(const http_parser *p) { return p->status_code; }

// http_parser reports "no Content-Length header" as ULLONG_MAX in
// content_length; the helper returns -1 then, so Swift compares signed values.
static inline int64_t swerve_http_content_length(const http_parser *p) {
    return p->content_length == (uint64_t)-1 ? -1 : (int64_t)p->content_length;
}
#endif
