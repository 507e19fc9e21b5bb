#ifndef SWERVE_CRABBITMQ_SHIM_H
#define SWERVE_CRABBITMQ_SHIM_H
// Debian's rabbitmq-c 0.11 (librabbitmq-dev). Imported only by the Streaming
// module, which keeps one connection per thread (see AMQPConnection.swift).
#include <amqp.h>
#include <amqp_tcp_socket.h>

// amqp_login is variadic (the SASL arguments follow the method), and Swift
// cannot call C variadic functions; this fixes the method to PLAIN.
static inline amqp_rpc_reply_t swerve_amqp_login_plain(amqp_connection_state_t state, const char *vhost,
                                                       int heartbeat, const char *user, const char *password) {
    return amqp_login(state, vhost, 0, AMQP_DEFAULT_FRAME_SIZE, heartbeat, AMQP_SASL_METHOD_PLAIN, user, password);
}

// The method ids are macros with a cast, which Swift does not import.
static inline amqp_method_number_t swerve_amqp_basic_ack_method(void) { return AMQP_BASIC_ACK_METHOD; }
static inline amqp_method_number_t swerve_amqp_basic_nack_method(void) { return AMQP_BASIC_NACK_METHOD; }
static inline amqp_method_number_t swerve_amqp_basic_return_method(void) { return AMQP_BASIC_RETURN_METHOD; }
static inline amqp_method_number_t swerve_amqp_channel_close_method(void) { return AMQP_CHANNEL_CLOSE_METHOD; }
static inline amqp_method_number_t swerve_amqp_connection_close_method(void) { return AMQP_CONNECTION_CLOSE_METHOD; }
#endif
