package io.parley.history.internal;

import java.util.UUID;

import io.parley.groups.JoinPoints;

import org.springframework.stereotype.Component;

/** Gives the groups module the log's current position when it adds a member. */
@Component
class LogJoinPoints implements JoinPoints {

	private final MessageStore store;

	LogJoinPoints(MessageStore store) {
		this.store = store;
	}

	@Override
	public long currentSeqNow(UUID conversationId) {
		return store.head(conversationId);
	}
}
