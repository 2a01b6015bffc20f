package io.parley.history.internal;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;

import io.parley.groups.Conversations;
import io.parley.groups.NotAMember;
import io.parley.history.EntryKind;
import io.parley.history.PointersMoved;
import io.parley.history.ReadPointer;
import io.parley.history.ReadPointers;
import io.parley.history.ReceiptSettings;
import io.parley.history.ReceiptSummary;
import io.parley.history.StoredMessage;
import io.parley.history.UnreadCounts;
import io.parley.shared.Blocking;

import org.springframework.stereotype.Service;

import reactor.core.publisher.Mono;

/**
 * Pointers are stored in PostgreSQL (forward-only, see {@link PointerStore}); unread counts are
 * recomputed from the log rather than kept as counters, so edits, deletes and own messages can never
 * make them drift (fault B21): unread = plain, not deleted, not own messages in (max(read, join), head].
 */
@Service
class ReadPointerService implements ReadPointers {

	private final PointerStore pointers;
	private final MessageStore store;
	private final Conversations conversations;
	private final ReceiptHints hints;
	private final ReceiptSettings settings;
	private final Clock clock;

	ReadPointerService(PointerStore pointers, MessageStore store, Conversations conversations, ReceiptHints hints,
			ReceiptSettings settings, Clock clock) {
		this.pointers = pointers;
		this.store = store;
		this.conversations = conversations;
		this.hints = hints;
		this.settings = settings;
		this.clock = clock;
	}

	@Override
	public Mono<ReadPointer> advance(UUID conversationId, UUID userId, long deliveredSeq, long readSeq) {
		return Blocking.call(() -> advanceNow(conversationId, userId, deliveredSeq, readSeq, true));
	}

	/** Blocking; {@code checkMember} false for the sequencer's own decisions (the sender was just accepted). */
	ReadPointer advanceNow(UUID conversationId, UUID userId, long deliveredSeq, long readSeq, boolean checkMember) {
		Set<UUID> members = conversations.memberIdsNow(conversationId);
		if (checkMember && !members.contains(userId)) {
			throw new NotAMember("You are not a member of conversation " + conversationId);
		}
		long head = store.head(conversationId);
		long delivered = Math.min(Math.max(deliveredSeq, readSeq), head);
		long read = Math.min(readSeq, head);
		return pointers.advance(conversationId, userId, delivered, read, clock.instant()).map(moved -> {
			long joinSeq = conversations.membershipsNow(userId).getOrDefault(conversationId, 0L);
			long unread = countUnread(conversationId, userId, Math.max(moved.readSeq(), joinSeq), head).unread();
			Set<UUID> watchers = members.size() <= settings.liveMembers()
					? members.stream().filter(m -> !m.equals(userId)).collect(Collectors.toSet()) : Set.of();
			hints.announce(new PointersMoved(moved, unread, watchers));
			return moved;
		}).orElseGet(() -> pointers.find(conversationId, userId));
	}

	@Override
	public ReadPointer pointerNow(UUID conversationId, UUID userId) {
		return pointers.find(conversationId, userId);
	}

	@Override
	public Mono<UnreadCounts> unread(UUID userId) {
		return Blocking.call(() -> {
			Map<UUID, Long> memberships = conversations.membershipsNow(userId);
			Map<UUID, ReadPointer> mine = pointers.ofUser(userId).stream()
				.collect(Collectors.toMap(ReadPointer::conversationId, Function.identity()));
			List<UnreadCounts.Conversation> counts = new ArrayList<>();
			memberships.forEach((conversationId, joinSeq) -> {
				ReadPointer pointer = mine.getOrDefault(conversationId, new ReadPointer(conversationId, userId, 0, 0));
				long head = store.head(conversationId);
				Count count = countUnread(conversationId, userId, Math.max(pointer.readSeq(), joinSeq), head);
				counts.add(new UnreadCounts.Conversation(conversationId, count.unread(), count.capped(), pointer.readSeq(),
						pointer.deliveredSeq(), head));
			});
			counts.sort(Comparator.comparing(c -> c.conversationId().toString()));
			return new UnreadCounts(counts.stream().mapToLong(UnreadCounts.Conversation::unread).sum(), counts);
		});
	}

	record Count(long unread, boolean capped) {
	}

	/** Counts in (afterSeq, head]; the caller has already raised afterSeq to the join point. */
	private Count countUnread(UUID conversationId, UUID userId, long afterSeq, long head) {
		long from = afterSeq + 1;
		if (from > head) {
			return new Count(0, false);
		}
		boolean capped = head - from + 1 > settings.unreadScanLimit();
		long scanFrom = capped ? head - settings.unreadScanLimit() + 1 : from;
		long unread = 0;
		for (StoredMessage entry : store.range(conversationId, scanFrom, head)) {
			if (entry.kind() == EntryKind.MESSAGE && !entry.deleted() && !userId.equals(entry.senderId())) {
				unread++;
			}
		}
		return new Count(unread, capped);
	}

	@Override
	public Mono<ReceiptSummary> receipts(UUID conversationId, UUID viewer, Long seq) {
		return Blocking.call(() -> {
			if (!conversations.isMemberNow(conversationId, viewer)) {
				throw new NotAMember("You are not a member of conversation " + conversationId);
			}
			long at = seq == null ? store.head(conversationId) : Math.min(seq, store.head(conversationId));
			UUID sender = at < 1 ? null : store.find(conversationId, at).map(StoredMessage::senderId).orElse(null);
			Set<UUID> audience = new java.util.HashSet<>(at < 1 ? conversations.memberIdsNow(conversationId)
					: conversations.recipientsNow(conversationId, at));
			if (sender != null) {
				audience.remove(sender);
			}
			Map<UUID, ReadPointer> stored = pointers.ofConversation(conversationId).stream()
				.collect(Collectors.toMap(ReadPointer::userId, Function.identity()));
			List<ReadPointer> theirs = audience.stream()
				.map(u -> stored.getOrDefault(u, new ReadPointer(conversationId, u, 0, 0)))
				.sorted(Comparator.comparing(p -> p.userId().toString()))
				.toList();
			int delivered = (int) theirs.stream().filter(p -> p.deliveredSeq() >= at).count();
			int read = (int) theirs.stream().filter(p -> p.readSeq() >= at).count();
			return new ReceiptSummary(conversationId, at, theirs.size(), delivered, read,
					theirs.size() <= settings.listUpTo() ? theirs : List.of());
		});
	}
}
