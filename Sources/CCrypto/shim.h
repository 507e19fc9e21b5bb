#ifndef SWERVE_CCRYPTO_SHIM_H
#define SWERVE_CCRYPTO_SHIM_H
// libcrypto's digests and constant-time comparison, for auth tokens only
// (imported by the Auth module). TLS has its own shim.
#include <openssl/evp.h>
#include <openssl/crypto.h>
#endif
