/* The subcommands of the `mailprobe` binary. Each parses its own options
 * (argv[0] is the subcommand name) and returns the process exit status:
 * 0 success, 1 "some addresses are bad" (check only), 2 usage error,
 * other values documented by the command. */
#ifndef MP_COMMANDS_H
#define MP_COMMANDS_H

int mp_cmd_check(int argc, char **argv);
int mp_cmd_verify(int argc, char **argv);
int mp_cmd_doctor(int argc, char **argv);
int mp_cmd_mx(int argc, char **argv);
int mp_cmd_update_lists(int argc, char **argv);

#endif
