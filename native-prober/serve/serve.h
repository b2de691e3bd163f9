/* serve.h — `mailprobe serve`, the service room's entry point: reads the
 * configuration (config.h), wires the prober, the store, the job runner,
 * the webhook and the HTTP server together on one libevent loop, and runs
 * until SIGTERM/SIGINT. cli/main.c dispatches to it like to any command. */
#ifndef MP_SERVE_H
#define MP_SERVE_H

/* Runs the server; argv[0] is "serve". Returns the exit status: 0 after a
 * clean stop or --help, 1 when start-up failed (message on stderr), 2 on a
 * usage error. */
int mp_cmd_serve(int argc, char **argv);

#endif
