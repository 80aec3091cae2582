/* SPDX-License-Identifier: GPL-2.0 */
/* config_yaml — the YAML walking shared by config.c and config_scheme.c. Pure. */
#ifndef NW_CONFIG_YAML_H
#define NW_CONFIG_YAML_H

#include <stdbool.h>
#include <stdint.h>
#include <yaml.h>

struct ycx {
	yaml_document_t doc;
	void (*warn)(const char *msg);
	char *err;
	int errlen;
	uint64_t aggr_us;
};

/* An error with the node's line and column; returns -EINVAL. */
int yfail(struct ycx *y, yaml_node_t *n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* A warning naming the key's path and line. */
void ywarn(struct ycx *y, yaml_node_t *n, const char *path, const char *key, const char *why);
yaml_node_t *ynode(struct ycx *y, int id);
const char *yscalar(yaml_node_t *n);
bool yis_null(yaml_node_t *n);
/* n is of type t, else an error naming path. */
int ywant(struct ycx *y, yaml_node_t *n, yaml_node_type_t t, const char *path);
/* A size or count (damo's "1,024", "4 KiB"). */
int yget_u64(struct ycx *y, yaml_node_t *n, const char *path, uint64_t *v);
/* A duration in microseconds. */
int yget_dur(struct ycx *y, yaml_node_t *n, const char *path, uint64_t *us);
/* Milliseconds: a bare number, or a duration ("100 ms", "1 s", "0 ns"). */
int yget_ms(struct ycx *y, yaml_node_t *n, const char *path, uint64_t *ms);

#define FOR_MAP(y, n, k, v)							\
	for (yaml_node_pair_t *p_ = (n)->data.mapping.pairs.start;		\
	     p_ < (n)->data.mapping.pairs.top &&				\
	     ((k) = yscalar(ynode(y, p_->key)), (v) = ynode(y, p_->value), 1); p_++)

/* schemes[0] of a context (config_scheme.c). */

#endif
