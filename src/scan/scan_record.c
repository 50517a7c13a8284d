/* One shard's record: what scanning a shard keeps (ep_scan_rec_make), its bytes in a partial file
 * (save / load, docs/partial-format.md "Record body") and how it becomes the shard's JSON object
 * and the corpus states' next shard (ep_scan_rec_apply). ep_scan runs make -> apply in one process;
 * a split scan runs make -> save in one process and load -> apply in another, and the profile is
 * the same bytes: apply does what the one-process scan did, in the same order. */
#include <stdlib.h>
#include <string.h>

#include "scan/scan_internal.h"
#include "entroprof/analyze.h"

static int is_cross(const scan_probe *u) { return (u->vt->flags & EP_PROBE_CROSS_SHARD) != 0; }

static ep_status rec_alloc(scan_rec *rec, size_t P, ep_error *err)
{
    memset(rec, 0, sizeof *rec);
    rec->n_probes = P;
    rec->frag = calloc(P + 1, sizeof(ep_jv *));
    rec->state = calloc(P + 1, sizeof(void *));
    rec->err = calloc(P + 1, sizeof(ep_error));
    if (!rec->frag || !rec->state || !rec->err) {
        ep_error_set(err, EP_ERR_NOMEM, "out of memory");
        return EP_ERR_NOMEM; /* (not ep_error_set's value: the analyzer cannot see it is not EP_OK) */
    }
    return EP_OK;
}

void ep_scan_rec_free(const scan_ctx *c, scan_rec *rec)
{
    for (size_t p = 0; p < rec->n_probes; p++) {
        if (rec->frag) ep_jv_free(rec->frag[p]);
        if (rec->state && rec->state[p]) c->probes[p].vt->free(rec->state[p]);
    }
    free(rec->frag);
    free(rec->state);
    free(rec->err);
    memset(rec, 0, sizeof *rec);
}

ep_status ep_scan_rec_make(scan_ctx *c, const char *path, scan_rec *rec, ep_error *err)
{
    ep_status st = rec_alloc(rec, c->n_probes, err);
    if (st != EP_OK) return st;
    ep_error rerr;
    ep_error_clear(&rerr);
    ep_reader *r = NULL;
    if (ep_reader_open(&r, path, &c->cfg->reader, &rerr) != EP_OK) {
        snprintf(rec->read_error, sizeof rec->read_error, "%s", rerr.msg);
        c->shards_done++;
        return EP_OK;
    }
    rec->opened = 1;
    rec->format = (int)ep_reader_format(r);
    rec->compression = (int)ep_reader_compression(r);
    scan_states states;
    scan_read rd;
    st = ep_scan_states_create(c, &states, err);
    if (st == EP_OK) st = ep_scan_pipeline_run(c, r, &states, &rd, path, err);
    if (st == EP_OK) {
        ep_scan_states_merge(c, &states);
        if (rd.read_failed) {
            rec->read_failed = 1;
            snprintf(rec->read_error, sizeof rec->read_error, "%s", rd.rerr.msg);
            rec->error_offset = ep_reader_input_offset(r);
        }
        for (size_t p = 0; p < c->n_probes && st == EP_OK; p++) {
            const scan_probe *u = &c->probes[p];
            rec->err[p] = states.probe_err[p];
            if (!states.shard[p]) continue; /* failed before finish */
            if (is_cross(u)) { /* finished where the records are applied, with `before` */
                rec->state[p] = states.shard[p];
                states.shard[p] = NULL;
                continue;
            }
            /* Finished here: the probe ignores `before` (probe.h), so its JSON is the same */
            if (!(rec->frag[p] = ep_jv_obj())) { st = ep_error_set(err, EP_ERR_NOMEM, "out of memory"); break; }
            ep_scan_outcome(&rec->err[p], u->vt->finish(states.shard[p], NULL, rec->frag[p], &u->env_shard, &rec->err[p]),
                            u->vt->name);
            if (u->vt->fold) { /* the finished state is folded even when finish failed */
                rec->state[p] = states.shard[p];
                states.shard[p] = NULL;
            }
        }
        rec->counters = *ep_reader_counters_get(r);
        c->bytes_before_shard += ep_reader_input_offset(r);
    }
    ep_scan_states_free(c, &states);
    ep_reader_close(r);
    c->shards_done++;
    return st;
}

/* ---- bytes ---- */

static void counters_save(ep_wbuf *w, const ep_reader_counters *k)
{
    const uint64_t v[] = {k->input_bytes, k->decoded_bytes, k->lines, k->docs, k->doc_bytes, k->empty_docs,
                          k->invalid_utf8, k->crlf, k->nul_bytes, k->truncated_docs, k->truncated_bytes,
                          k->json_malformed, k->json_missing_field, k->json_nonstring_field, k->blank_lines_jsonl,
                          k->jsonl_overlong, k->zero_padding_bytes, k->error_dropped_bytes};
    ep_wbuf_u32(w, (uint32_t)(sizeof v / sizeof v[0]));
    ep_wbuf_u64s(w, v, sizeof v / sizeof v[0]);
    ep_wbuf_u32(w, k->n_first_bad_lines);
    ep_wbuf_u64s(w, k->first_bad_lines, k->n_first_bad_lines);
}

static int counters_load(ep_rbuf *r, ep_reader_counters *k)
{
    uint64_t v[18];
    if (ep_rbuf_u32(r) != 18 || ep_rbuf_u64s(r, v, 18)) return -1;
    uint64_t *f[] = {&k->input_bytes, &k->decoded_bytes, &k->lines, &k->docs, &k->doc_bytes, &k->empty_docs,
                     &k->invalid_utf8, &k->crlf, &k->nul_bytes, &k->truncated_docs, &k->truncated_bytes,
                     &k->json_malformed, &k->json_missing_field, &k->json_nonstring_field, &k->blank_lines_jsonl,
                     &k->jsonl_overlong, &k->zero_padding_bytes, &k->error_dropped_bytes};
    for (int i = 0; i < 18; i++) *f[i] = v[i];
    k->n_first_bad_lines = ep_rbuf_u32(r);
    if (k->n_first_bad_lines > EP_READER_FIRST_LINES) return -1;
    return ep_rbuf_u64s(r, k->first_bad_lines, k->n_first_bad_lines);
}

ep_status ep_scan_rec_save(const scan_ctx *c, const scan_rec *rec, ep_wbuf *w, ep_error *err)
{
    ep_wbuf_u8(w, (uint8_t)rec->opened);
    ep_wbuf_str(w, rec->read_error);
    if (rec->opened) {
        ep_wbuf_u8(w, (uint8_t)rec->format);
        ep_wbuf_u8(w, (uint8_t)rec->compression);
        ep_wbuf_u8(w, (uint8_t)rec->read_failed);
        ep_wbuf_u64(w, rec->error_offset);
        counters_save(w, &rec->counters);
    }
    ep_wbuf_u64(w, (uint64_t)rec->n_probes);
    for (size_t p = 0; p < rec->n_probes; p++) {
        const scan_probe *u = &c->probes[p];
        ep_wbuf_str(w, u->vt->name);
        ep_wbuf_u32(w, (uint32_t)rec->err[p].status);
        ep_wbuf_str(w, rec->err[p].status != EP_OK ? rec->err[p].msg : "");
        ep_wbuf_u8(w, (uint8_t)((rec->frag[p] ? 1 : 0) | (rec->state[p] ? 2 : 0)));
        if (rec->frag[p]) ep_wbuf_jv(w, rec->frag[p]);
        if (rec->state[p]) {
            if (!u->vt->save)
                return ep_error_set(err, EP_ERR_INTERNAL, "probe %s keeps a state but cannot save it", u->vt->name);
            ep_wbuf sub;
            ep_wbuf_init(&sub);
            ep_error e;
            ep_error_clear(&e);
            ep_status st = u->vt->save(rec->state[p], &sub, &e);
            if (st == EP_OK) st = ep_wbuf_status(&sub);
            if (st == EP_OK) ep_wbuf_blob(w, sub.data, sub.len);
            ep_wbuf_free(&sub);
            if (st != EP_OK)
                return e.status != EP_OK ? (*err = e, st) : ep_error_set(err, st, "%s: saving its state: %s", u->vt->name, ep_strerror(st));
        }
    }
    return ep_wbuf_status(w) == EP_OK ? EP_OK : ep_error_set(err, EP_ERR_NOMEM, "out of memory");
}

static ep_status corrupt(ep_error *err, const char *what)
{
    return ep_error_set(err, EP_ERR_CORRUPT, "corrupt record: %s", what);
}

/* A string of at most cap-1 bytes into buf. */
static int load_msg(ep_rbuf *r, char *buf, size_t cap)
{
    size_t n = 0;
    const char *b = ep_rbuf_blob(r, &n);
    if (!b || n >= cap || memchr(b, 0, n)) return -1;
    memcpy(buf, b, n);
    buf[n] = 0;
    return 0;
}

ep_status ep_scan_rec_load(const scan_ctx *c, ep_rbuf *r, scan_rec *rec, ep_error *err)
{
    ep_status st = rec_alloc(rec, c->n_probes, err);
    if (st != EP_OK) return st;
    uint8_t opened = ep_rbuf_u8(r);
    if (opened > 1 || load_msg(r, rec->read_error, sizeof rec->read_error)) return corrupt(err, "shard header");
    rec->opened = opened;
    if (opened) {
        rec->format = ep_rbuf_u8(r);
        rec->compression = ep_rbuf_u8(r);
        uint8_t rf = ep_rbuf_u8(r);
        rec->error_offset = ep_rbuf_u64(r);
        if (r->failed || rec->format > EP_FORMAT_JSONL || rec->compression > EP_COMP_GZIP || rf > 1 ||
            counters_load(r, &rec->counters))
            return corrupt(err, "shard header");
        rec->read_failed = rf;
    }
    if (ep_rbuf_u64(r) != c->n_probes || r->failed) return corrupt(err, "probe count differs from the configuration's");
    for (size_t p = 0; p < c->n_probes; p++) {
        const scan_probe *u = &c->probes[p];
        char name[64];
        if (load_msg(r, name, sizeof name) || strcmp(name, u->vt->name) != 0) return corrupt(err, "probe list differs");
        uint32_t status = ep_rbuf_u32(r);
        if (status > EP_ERR_NOTFOUND || load_msg(r, rec->err[p].msg, sizeof rec->err[p].msg))
            return corrupt(err, "probe status");
        rec->err[p].status = (ep_status)status;
        uint8_t has = ep_rbuf_u8(r);
        if (r->failed || has > 3) return corrupt(err, "probe flags");
        /* What a record of this probe may hold (scan_rec): JSON only for a non-cross-shard probe,
         * a state only for a cross-shard probe or one that folds. */
        if (((has & 1) && is_cross(u)) || ((has & 2) && !is_cross(u) && !u->vt->fold) || ((has & 2) && !u->vt->load))
            return corrupt(err, "probe parts");
        if ((has & 1) && !(rec->frag[p] = ep_rbuf_jv(r)))
            return r->failed ? corrupt(err, "probe JSON") : ep_error_set(err, EP_ERR_NOMEM, "out of memory");
        if (has & 2) {
            size_t n = 0;
            const void *b = ep_rbuf_blob(r, &n);
            if (!b) return corrupt(err, "probe state");
            ep_rbuf sub;
            ep_rbuf_init(&sub, b, n);
            ep_error e;
            ep_error_clear(&e);
            st = u->vt->load(&rec->state[p], &sub, &u->env_shard, &e);
            if (st == EP_OK && ep_rbuf_left(&sub) != 0) {
                u->vt->free(rec->state[p]);
                rec->state[p] = NULL;
                return ep_error_set(err, EP_ERR_CORRUPT, "corrupt record: %s state has %zu bytes too many", u->vt->name,
                                    ep_rbuf_left(&sub));
            }
            if (st != EP_OK) {
                rec->state[p] = NULL;
                return ep_error_set(err, st, "corrupt record: %s state: %s", u->vt->name, e.msg[0] ? e.msg : ep_strerror(st));
            }
        }
    }
    return r->failed ? corrupt(err, "truncated") : EP_OK;
}

/* ---- apply ---- */

/* Adds src's members to dst as the probe's own writes would have: objects merge member by member,
 * any other value is set (replacing in place). */
static int jv_merge_into(ep_jv *dst, const ep_jv *src)
{
    for (size_t i = 0; i < ep_jv_len(src); i++) {
        const char *k = ep_jv_key_at(src, i);
        const ep_jv *v = ep_jv_at(src, i);
        const ep_jv *have = ep_jv_get(dst, k);
        if (ep_jv_typeof(v) == EP_JV_OBJ && have && ep_jv_typeof(have) == EP_JV_OBJ) {
            if (jv_merge_into((ep_jv *)have, v)) return -1;
        } else if (!ep_jv_set(dst, k, ep_jv_clone(v))) {
            return -1;
        }
    }
    return 0;
}

static const char *comp_name(int c)
{
    return c == EP_COMP_ZSTD ? "zstd" : c == EP_COMP_GZIP ? "gzip" : "none";
}

/* What follows the probes' results: status partial, counters, flags, the clamped estimates, the
 * headline and the guardrails. */
static ep_status shard_close(ep_jv *shard, const ep_reader_counters *rc, int read_failed, ep_reader_counters *total,
                             ep_error *err)
{
    /* A probe that gave up leaves the shard partial; a read error outranks that. */
    if (!read_failed && ep_jv_len(ep_jv_get(shard, "probe_errors")) > 0)
        ep_jv_set(shard, "status", ep_jv_str("partial"));
    ep_scan_counters_json(shard, rc, 1);
    ep_scan_flags_json(shard, rc, read_failed);
    ep_estimates_clamp(shard);
    ep_profile_choose_headline(shard);
    /* The guardrails rank and report apply (one function), recorded with their default thresholds. */
    ep_rank_config guard;
    ep_rank_config_default(&guard);
    ep_status st = ep_rank_mark_shard(shard, &guard);
    if (st != EP_OK) ep_error_set(err, st, "out of memory");
    ep_reader_counters_merge(total, rc);
    return st;
}

ep_status ep_scan_rec_apply(scan_ctx *c, const char *path, scan_rec *rec, ep_jv *shards,
                            ep_reader_counters *total, size_t *failed, size_t *partial, ep_error *err)
{
    ep_jv *shard = ep_jv_push(shards, ep_jv_obj());
    if (!shard) return ep_error_set(err, EP_ERR_NOMEM, "out of memory");
    ep_jv_set(shard, "path", ep_jv_str(path));
    ep_jv_set(shard, "status", ep_jv_str("ok"));
    if (!rec->opened) { /* never read: no probe saw it, nothing is folded */
        ep_jv_set(shard, "status", ep_jv_str("error"));
        ep_jv_set(shard, "error", ep_jv_str(rec->read_error));
        ep_jv_set(shard, "error_offset", ep_jv_int(0));
        ep_jv_set(shard, "docs", ep_jv_int(0));
        ep_jv_set(shard, "bytes", ep_jv_int(0));
        ep_jv_set(shard, "tokens", ep_jv_int(0));
        ep_jv *f = ep_jv_set(shard, "flags", ep_jv_arr());
        ep_jv_push(f, ep_jv_str("read_error"));
        (*failed)++;
        return EP_OK;
    }
    ep_jv_set(shard, "format", ep_jv_str(rec->format == EP_FORMAT_JSONL ? "jsonl" : "text"));
    ep_jv_set(shard, "compression", ep_jv_str(comp_name(rec->compression)));
    if (rec->read_failed) { /* the shard's status is "error" (outranks "partial") */
        ep_jv_set(shard, "status", ep_jv_str("error"));
        ep_jv_set(shard, "error", ep_jv_str(rec->read_error));
        ep_jv_set(shard, "error_offset", ep_jv_int((int64_t)rec->error_offset));
        (*failed)++;
    }
    /* finish, in probe order: a broken probe's corpus state misses an earlier shard */
    for (size_t p = 0; p < c->n_probes; p++) {
        scan_probe *u = &c->probes[p];
        ep_error *e = &rec->err[p];
        if (u->broken.status != EP_OK) {
            *e = u->broken;
        } else if (is_cross(u) && rec->state[p]) {
            ep_scan_outcome(e, u->vt->finish(rec->state[p], u->corpus, shard, &u->env_shard, e), u->vt->name);
        } else if (rec->frag[p] && jv_merge_into(shard, rec->frag[p])) {
            return ep_error_set(err, EP_ERR_NOMEM, "out of memory");
        }
        if (e->status != EP_OK) ep_probe_gave_up(shard, u->vt->name, e->msg);
    }
    /* fold, in probe order */
    for (size_t p = 0; p < c->n_probes; p++) {
        scan_probe *u = &c->probes[p];
        if (!u->vt->fold || u->broken.status != EP_OK) continue;
        if (!rec->state[p]) { /* failed before finish: the corpus state would miss this shard */
            ep_error_set(&u->broken, rec->err[p].status, "it failed on an earlier shard: %s", rec->err[p].msg);
            continue;
        }
        ep_error e;
        ep_error_clear(&e);
        ep_scan_outcome(&e, u->vt->fold(u->corpus, rec->state[p], &e), u->vt->name);
        if (e.status != EP_OK) ep_error_set(&u->broken, e.status, "it failed on an earlier shard: %s", e.msg);
    }
    ep_status st = shard_close(shard, &rec->counters, rec->read_failed, total, err);
    const char *status = ep_jv_as_str(ep_jv_get(shard, "status"));
    *partial += status && !strcmp(status, "partial");
    return st;
}
