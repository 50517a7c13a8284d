/* Small argument helpers shared by the rank/predict/mix/report commands. */
#ifndef EP_CLI_ANALYZE_ARGS_H
#define EP_CLI_ANALYZE_ARGS_H

/** Parses a number with an optional K/M/G/T suffix (powers of 1000): "2.5e9", "300B" is not valid,
 *  "20G" = 2e10. Blanks, hex, inf and nan are refused, as are results that overflow. @return 1 on success. */
int ep_cli_num(const char *s, double *out);
/** Matches "--name VALUE" or "--name=VALUE" at argv[*i]; advances *i. @return the value or NULL. */
const char *ep_cli_opt(int argc, char **argv, int *i, const char *name);

#endif
