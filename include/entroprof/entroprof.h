/* entroprof: dataset entropy and quality profiler. Umbrella header: every public header.
 *
 * The stable API (EP_API) is in the shared and the static library. The experimental API
 * (EP_STATIC_API: the probe interface, the tiny model's internals) is declared only when
 * EP_STATIC_LINKING_ONLY is defined before the first include, and is usable only with the static
 * library (entroprof::entroprof_static), as zstd's ZSTD_STATIC_LINKING_ONLY. */
#ifndef ENTROPROF_H
#define ENTROPROF_H
#include "common.h"
#include "json.h"
#include "outfile.h"
#include "doc.h"
#include "reader.h"
#include "tokenizer.h"
#include "entropy.h"
#include "scan_config.h"
#include "scan.h"
#include "check.h"
#include "heldout.h"
#include "dedup.h"
#include "synth.h"
#include "lm.h"
#include "analyze.h"
#include "report.h"
#ifdef EP_STATIC_LINKING_ONLY
#include "serial.h"
#include "probe.h"
#include "partial.h"
#endif
#endif
