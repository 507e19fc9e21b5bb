#ifndef SWERVE_COPENSSL_SHIM_H
#define SWERVE_COPENSSL_SHIM_H
// Debian's OpenSSL 3 (libssl-dev). Imported only by the TLS module, which
// drives SSL objects over memory BIOs from the Transport stack's byte transform.
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

// SSL_CTX_set_min_proto_version is a function-like macro over SSL_CTX_ctrl,
// which Swift cannot import; this makes it callable.
static inline int swerve_ssl_ctx_set_min_proto_version(SSL_CTX *ctx, int version) {
    return (int)SSL_CTX_set_min_proto_version(ctx, version);
}

// SSL_set_tlsext_host_name (SNI) is a macro over SSL_ctrl with a cast of the
// name to void *; Swift cannot import it.
static inline int swerve_ssl_set_server_name(SSL *ssl, const char *name) {
    return (int)SSL_set_tlsext_host_name(ssl, name);
}
#endif
