/* STUB — replaced by the implementation of this command. */
#include <stdio.h>
#include "commands.h"

int mp_cmd_verify(int argc, char **argv)
{
    (void)argc;
    fprintf(stderr, "mailprobe %s: not implemented yet\n", argv[0]);
    return 2;
}
