/**
 * The small kernel every module needs: the error model (facts mapped to RFC 9457 problem details
 * with a stable code) and the scheduler that keeps blocking JDBC off the event loops.
 */
@org.springframework.modulith.ApplicationModule(displayName = "Shared kernel")
package io.parley.shared;
