/**
 * The durable message log in Cassandra: one writer per conversation assigns gapless sequence
 * numbers, stores, then hands the stored message to every node; history pages by sequence.
 */
@org.springframework.modulith.ApplicationModule(displayName = "History")
package io.parley.history;
