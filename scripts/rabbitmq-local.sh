# Sourced by scripts that run a local RabbitMQ without systemd.
# Needs HOST and BROKER_PORT; rabbitmq_env DIR points the broker (node name,
# data, logs, config, plugins, Erlang cookie via HOME, pid file) at DIR and
# keeps it on loopback. amqp_ok tells whether it accepts AMQP connections.

rabbitmq_env() {
    local dir=$1
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    export HOME="$dir" RABBITMQ_NODENAME="rabbit-swerve-$BROKER_PORT@localhost" \
        RABBITMQ_NODE_IP_ADDRESS=$HOST RABBITMQ_NODE_PORT=$BROKER_PORT RABBITMQ_DIST_PORT=$((BROKER_PORT + 20000)) \
        RABBITMQ_MNESIA_BASE="$dir/mnesia" RABBITMQ_LOG_BASE="$dir/log" \
        RABBITMQ_ENABLED_PLUGINS_FILE="$dir/enabled_plugins" RABBITMQ_CONFIG_FILE="$dir/rabbitmq" \
        RABBITMQ_ADVANCED_CONFIG_FILE="$dir/advanced.config" RABBITMQ_CONF_ENV_FILE="$dir/rabbitmq-env.conf" \
        RABBITMQ_PID_FILE="$dir/broker.pid" \
        RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
    [ -f "$dir/enabled_plugins" ] || echo "[]." >"$dir/enabled_plugins"
    echo "listeners.tcp.default = $HOST:$BROKER_PORT" >"$dir/rabbitmq.conf"
}

# The broker answers the AMQP protocol header with a method frame (type 1).
amqp_ok() {
    exec 3<>"/dev/tcp/$HOST/$BROKER_PORT" || return 1
    printf 'AMQP\x00\x00\x09\x01' >&3
    local first; first=$(head -c1 <&3 | od -An -tu1 | tr -d ' ')
    exec 3<&- 3>&-
    [ "$first" = 1 ]
}
