package io.parley.history.internal;

import io.parley.history.MessageStored;
import io.parley.history.SubmissionRejected;

/** What the sequencer publishes on the stored topic: exactly one of the two is set. */
record SequencerOutcome(MessageStored stored, SubmissionRejected rejected) {
}
