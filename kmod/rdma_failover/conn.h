/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rdma_failover: one RC connection (conn.c): rdma_cm id, PD, CQ, QP, the
 * receive and send rings of small messages, the primary's RDMA WRITEs and
 * the standby's FRWR registration of its staging area.
 */
#ifndef _RDMA_FAILOVER_CONN_H
#define _RDMA_FAILOVER_CONN_H

#include <rdma/ib_verbs.h>
#include <rdma/ib_cm.h>
#include <rdma/rdma_cm.h>

#include "rdma_failover.h"

#define RFO_NR_RX	32	/* posted receive buffers */
#define RFO_NR_TX	8	/* small-message send buffers */
#define RFO_MAX_SEND_WR	128
#define RFO_MAX_SGE	16	/* pages per RDMA WRITE work request */
/* WRITE work requests per batch: the send queue less the message sends */
#define RFO_NR_WRITE_WR	(RFO_MAX_SEND_WR - RFO_NR_TX - 1)

/**
 * struct rfo_msg_buf - one receive or send buffer of a small message.
 * @cqe: its completion entry
 * @conn: the connection
 * @buf: RFO_WIRE_MAX_MSG_LEN bytes
 * @dma: its DMA address
 * @len: received bytes
 * @node: in rfo_conn.rx_done (receive)
 * @busy: a send is posted on it (send)
 */
struct rfo_msg_buf {
	struct ib_cqe cqe;
	struct rfo_conn *conn;
	void *buf;
	u64 dma;
	u32 len;
	struct list_head node;
	bool busy;
};

/**
 * struct rfo_conn - one RC connection of a replica.
 * @r: the replica
 * @cm_id: the rdma_cm id (destroyed by rfo_conn_destroy())
 * @dev: its device, once bound
 * @pd: protection domain (flags 0: no unsafe global rkey)
 * @cq: send and receive completions, IB_POLL_SOFTIRQ
 * @qp_created: rdma_create_qp() succeeded
 * @cm_event: the last CM event (RDMA_CM_EVENT_*), set by the CM handler
 * @cm_status: its status
 * @cm_done: a CM event the setup waits for came (@cm_event, @cm_status)
 * @established: ESTABLISHED came
 * @broken: the connection failed (CM event, error completion)
 * @rej: REJECT private data of the peer (primary), @rej_len bytes
 * @rej_len: 0 when the reject carried none
 * @last_rx: jiffies of the last message received
 * @last_tx: jiffies of the last message sent
 * @rx_seq: the seq expected from the peer next
 * @tx_seq: the seq of the next message sent
 * @rx_lock: protects @rx_done (BH-safe: the receive callback adds)
 * @rx_done: received messages not yet consumed
 * @rx: receive buffers
 * @tx: send buffers
 * @sends_inflight: signaled sends posted and not completed
 * @reg_cqe: completion of the standby's REG_MR work requests
 * @reg_status: the first error of a REG_MR
 * @reg_done: the signaled REG_MR completed
 * @write_cqe: completion entry of the primary's (unsignaled) WRITEs
 * @msg: scratch copy of the message being handled
 * @regions: primary: the standby's REGIONS (its chunks point into @regions_buf)
 * @regions_buf: the REGIONS bytes
 * @max_sge: SGEs per WRITE work request
 * @batch_max: pages per batch (primary: <= the standby's slots and what
 *	the send queue holds)
 * @pages: primary: the send buffer (@batch_max pages)
 * @pages_dma: their DMA addresses
 * @list: primary: the page index list (@batch_max x u64)
 * @list_dma: its DMA address
 * @wrs: primary: RFO_NR_WRITE_WR WRITE work requests
 * @sges: primary: @batch_max SGEs
 * @list_sge: primary: the SGE of the list WRITE
 * @nr_chunks: standby: staging chunks registered
 * @chunk_sg: standby: scatterlist of each chunk
 * @chunk_nents: its entries
 * @chunk_mapped: its mapped entries (0: not mapped)
 * @chunk_mr: its FRWR MR
 * @list_sg: standby: the list area's scatterlist
 * @list_mapped: its mapped entries
 * @list_mr: its FRWR MR
 * @reg_dir: DMA direction of the registered memory: DMA_FROM_DEVICE for
 *	a standby's staging (remote write), DMA_TO_DEVICE for a source's
 *	pull window (remote read)
 * @read_cqe: completion of a recovery host's RDMA READs
 * @read_status: the first error of a READ
 * @read_done: the signaled READ (or an error) completed
 */
struct rfo_conn {
	struct rfo_replica *r;
	struct rdma_cm_id *cm_id;
	struct ib_device *dev;
	struct ib_pd *pd;
	struct ib_cq *cq;
	bool qp_created;

	int cm_event;
	int cm_status;
	bool cm_done;
	bool established;
	bool broken;
	u8 rej[RFO_WIRE_REJECT_LEN];
	u8 rej_len;

	unsigned long last_rx;
	unsigned long last_tx;
	u32 rx_seq;
	u32 tx_seq;

	spinlock_t rx_lock;
	struct list_head rx_done;
	struct rfo_msg_buf rx[RFO_NR_RX];
	struct rfo_msg_buf tx[RFO_NR_TX];
	atomic_t sends_inflight;

	struct ib_cqe reg_cqe;
	int reg_status;
	bool reg_done;
	struct ib_cqe write_cqe;

	u8 msg[RFO_WIRE_MAX_MSG_LEN];
	struct msched_repl_msg regions;
	u8 regions_buf[RFO_WIRE_MAX_MSG_LEN];

	u32 max_sge;
	u32 batch_max;
	struct page **pages;
	u64 *pages_dma;
	void *list;
	u64 list_dma;
	struct ib_rdma_wr *wrs;
	struct ib_sge *sges;
	struct ib_sge list_sge;

	u32 nr_chunks;
	struct scatterlist *chunk_sg[RFO_WIRE_MAX_CHUNKS];
	u32 chunk_nents[RFO_WIRE_MAX_CHUNKS];
	int chunk_mapped[RFO_WIRE_MAX_CHUNKS];
	struct ib_mr *chunk_mr[RFO_WIRE_MAX_CHUNKS];
	struct scatterlist list_sg;
	int list_mapped;
	struct ib_mr *list_mr;
	enum dma_data_direction reg_dir;

	struct ib_cqe read_cqe;
	int read_status;
	bool read_done;
};

struct rfo_conn *rfo_conn_new(struct rfo_replica *r, struct rdma_cm_id *id);
void rfo_conn_destroy(struct rfo_conn *c);
int rfo_conn_setup(struct rfo_conn *c);
int rfo_conn_wait_cm(struct rfo_conn *c, int event, unsigned long timeout);
int rfo_conn_send(struct rfo_conn *c, struct msched_repl_msg *m);
int rfo_conn_recv(struct rfo_conn *c, struct msched_repl_msg *m,
		  unsigned long timeout);
int rfo_conn_wait_sends(struct rfo_conn *c, unsigned long timeout);
bool rfo_conn_usable(struct rfo_conn *c);
int rfo_conn_map_send_buffer(struct rfo_conn *c, u32 nr);
int rfo_conn_post_batch(struct rfo_conn *c, u32 count);
int rfo_conn_register_staging(struct rfo_conn *c, struct page **pages,
			      u32 nr_slots, void *list, u32 list_bytes,
			      struct msched_repl_chunk *chunks, u32 *nr_chunks,
			      u64 *list_addr, u32 *list_rkey);
int rfo_conn_register_pull(struct rfo_conn *c, struct page **pages,
			   u32 nr_slots, void *list, u32 list_bytes,
			   struct msched_repl_chunk *chunks, u32 *nr_chunks,
			   u64 *list_addr, u32 *list_rkey);
void rfo_conn_sync_pull_for_device(struct rfo_conn *c);
int rfo_conn_read_buf(struct rfo_conn *c, u64 dma, u32 len, u64 addr,
		      u32 rkey);
int rfo_conn_read_slots(struct rfo_conn *c, const struct msched_repl_msg *m,
			u32 count, const u64 *dma);
int rfo_conn_connect(struct rfo_conn *c, const struct msched_repl_msg *hello,
		     u8 rd_depth);
void rfo_conn_sync_staging_for_cpu(struct rfo_conn *c, u32 count);
void rfo_conn_sync_staging_for_device(struct rfo_conn *c);
struct rdma_cm_id *rfo_cm_listen(struct rfo_replica *r);
struct rdma_cm_id *rfo_cm_create_id(struct rfo_replica *r);
void rfo_cm_reject(struct rdma_cm_id *id, u8 reason, u64 nr_pages);

#endif /* _RDMA_FAILOVER_CONN_H */
