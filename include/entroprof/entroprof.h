/* entroprof: dataset entropy and quality profiler. Umbrella header. */
#ifndef ENTROPROF_H
#define ENTROPROF_H
#include "common.h"
#include "json.h"
#include "outfile.h"
#include "doc.h"
#include "reader.h"
#include "tokenizer.h"
#include "scan.h"
#include "probe.h"
#include "entropy.h"
#endif
