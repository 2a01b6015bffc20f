package io.parley.history;

/**
 * Published for each newly stored entry on exactly one node of the cluster (the entries consumer
 * group shares the stored topic's partitions), at least once: after a crash the entry may be
 * published again, so listeners must be idempotent. In seq order per conversation. For work that must
 * happen once per entry, not once per node (offline push decisions).
 */
public record EntryRecorded(StoredMessage entry) {
}
