/* SPDX-License-Identifier: Apache-2.0 */
/* main.c: the renkei command. Placeholder until the subcommands land. */
#include <stdio.h>

int main(void)
{
    puts("renkei " RENKEI_VERSION);
    return 0;
}
