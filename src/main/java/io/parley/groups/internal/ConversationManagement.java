package io.parley.groups.internal;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import io.parley.groups.Conversation;
import io.parley.groups.ConversationKind;
import io.parley.groups.ConversationSummary;
import io.parley.groups.Conversations;
import io.parley.groups.InsufficientRole;
import io.parley.groups.JoinPoints;
import io.parley.groups.Member;
import io.parley.groups.MemberAdded;
import io.parley.groups.MemberRemoved;
import io.parley.groups.MembershipConflict;
import io.parley.groups.NotAMember;
import io.parley.groups.Role;
import io.parley.identity.Accounts;
import io.parley.shared.Blocking;
import io.parley.shared.NotFound;

import org.springframework.context.ApplicationEventPublisher;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

import reactor.core.publisher.Mono;

/**
 * Creates conversations and changes membership under the role rules: the owner and admins add; the
 * owner removes anyone but themselves, an admin removes plain members, anyone may leave except the
 * owner; a 1:1 keeps its pair. A non-member asking about a conversation gets "not found" so that
 * existence does not leak.
 */
@Service
public class ConversationManagement implements Conversations {

	private final ConversationRepository conversations;
	private final Accounts accounts;
	private final TransactionTemplate tx;
	private final ApplicationEventPublisher events;
	private final Clock clock;
	private final JoinPoints joinPoints;

	ConversationManagement(ConversationRepository conversations, Accounts accounts, TransactionTemplate tx,
			ApplicationEventPublisher events, Clock clock, JoinPoints joinPoints) {
		this.joinPoints = joinPoints;
		this.conversations = conversations;
		this.accounts = accounts;
		this.tx = tx;
		this.events = events;
		this.clock = clock;
	}

	public Mono<Conversation> createGroup(UUID creator, String name, List<UUID> memberIds) {
		return Blocking.call(() -> tx.execute(status -> {
			requireAccount(creator);
			Set<UUID> others = new LinkedHashSet<>(memberIds == null ? List.of() : memberIds);
			others.remove(creator);
			others.forEach(this::requireAccount);
			Instant now = now();
			UUID id = UUID.randomUUID();
			conversations.insert(new ConversationRepository.Row(id, ConversationKind.GROUP, name.strip(), creator, now), null);
			conversations.addMember(id, creator, Role.OWNER, now, 0);
			events.publishEvent(new MemberAdded(id, creator, Role.OWNER, creator));
			for (UUID member : others) {
				conversations.addMember(id, member, Role.MEMBER, now, 0);
				events.publishEvent(new MemberAdded(id, member, Role.MEMBER, creator));
			}
			return load(id);
		}));
	}

	/** Get-or-create: the same pair always yields the same conversation, even under concurrent calls. */
	public Mono<Conversation> direct(UUID me, UUID other) {
		return Blocking.call(() -> tx.execute(status -> {
			requireAccount(me);
			requireAccount(other);
			String key = directKey(me, other);
			Instant now = now();
			UUID candidate = UUID.randomUUID();
			if (conversations.insertDirectIfAbsent(new ConversationRepository.Row(candidate, ConversationKind.DIRECT, null, me, now), key)) {
				conversations.addMember(candidate, me, Role.MEMBER, now, 0);
				events.publishEvent(new MemberAdded(candidate, me, Role.MEMBER, me));
				if (!other.equals(me)) {
					conversations.addMember(candidate, other, Role.MEMBER, now, 0);
					events.publishEvent(new MemberAdded(candidate, other, Role.MEMBER, me));
				}
				return load(candidate);
			}
			return load(conversations.findDirect(key).orElseThrow());
		}));
	}

	public Mono<Conversation> get(UUID conversationId, UUID viewer) {
		return Blocking.call(() -> {
			requireMember(conversationId, viewer);
			return load(conversationId);
		});
	}

	public Mono<List<ConversationSummary>> listFor(UUID userId) {
		return Blocking.call(() -> conversations.summariesFor(userId));
	}

	public Mono<Conversation> addMember(UUID conversationId, UUID actor, UUID userId, Role role) {
		return Blocking.call(() -> tx.execute(status -> {
			Role actorRole = requireMember(conversationId, actor);
			ConversationRepository.Row row = conversations.find(conversationId).orElseThrow();
			if (row.kind() == ConversationKind.DIRECT) {
				throw new MembershipConflict("direct_conversation_fixed", "A 1:1 conversation keeps its two members");
			}
			if (actorRole == Role.MEMBER) {
				throw new InsufficientRole("Only the owner or an admin can add members");
			}
			if (role == Role.OWNER || (role == Role.ADMIN && actorRole != Role.OWNER)) {
				throw new InsufficientRole("Only the owner can make admins, and a conversation has one owner");
			}
			requireAccount(userId);
			// The newcomer's place in the log: they receive and read what comes after it.
			long joinSeq = joinPoints.currentSeqNow(conversationId);
			if (conversations.addMember(conversationId, userId, role, now(), joinSeq)) {
				events.publishEvent(new MemberAdded(conversationId, userId, role, actor));
			}
			return load(conversationId);
		}));
	}

	public Mono<Void> removeMember(UUID conversationId, UUID actor, UUID userId) {
		return Blocking.run(() -> tx.executeWithoutResult(status -> {
			Role actorRole = requireMember(conversationId, actor);
			ConversationRepository.Row row = conversations.find(conversationId).orElseThrow();
			if (row.kind() == ConversationKind.DIRECT) {
				throw new MembershipConflict("direct_conversation_fixed", "A 1:1 conversation keeps its two members");
			}
			Role targetRole = conversations.roleOf(conversationId, userId)
				.orElseThrow(() -> new NotAMember("That user is not a member of this conversation"));
			boolean leaving = actor.equals(userId);
			if (targetRole == Role.OWNER) {
				throw leaving ? new MembershipConflict("owner_cannot_leave", "The owner cannot leave their own group")
						: new InsufficientRole("Nobody can remove the owner");
			}
			if (!leaving) {
				boolean allowed = actorRole == Role.OWNER || (actorRole == Role.ADMIN && targetRole == Role.MEMBER);
				if (!allowed) {
					throw new InsufficientRole("Only the owner removes admins; admins remove plain members");
				}
			}
			if (conversations.removeMember(conversationId, userId)) {
				events.publishEvent(new MemberRemoved(conversationId, userId, actor));
			}
		}));
	}

	@Override
	public Mono<Boolean> isMember(UUID conversationId, UUID userId) {
		return Blocking.call(() -> isMemberNow(conversationId, userId));
	}

	@Override
	public boolean isMemberNow(UUID conversationId, UUID userId) {
		return conversations.roleOf(conversationId, userId).isPresent();
	}

	@Override
	public Set<UUID> memberIdsNow(UUID conversationId) {
		return conversations.memberIds(conversationId);
	}

	@Override
	public java.util.Map<UUID, Long> membershipsNow(UUID userId) {
		return conversations.memberships(userId);
	}

	@Override
	public Set<UUID> recipientsNow(UUID conversationId, long seq) {
		return conversations.recipients(conversationId, seq);
	}

	@Override
	public Mono<java.util.Optional<Long>> joinSeq(UUID conversationId, UUID userId) {
		return Blocking.call(() -> conversations.joinSeq(conversationId, userId));
	}

	@Override
	public Set<UUID> sharingAConversationNow(UUID userId, Collection<UUID> candidates) {
		return candidates.isEmpty() ? Set.of() : conversations.sharingAConversation(userId, candidates);
	}

	private Role requireMember(UUID conversationId, UUID userId) {
		return conversations.roleOf(conversationId, userId)
			.orElseThrow(() -> new NotFound("conversation_not_found", "No conversation " + conversationId + " that you belong to"));
	}

	private void requireAccount(UUID userId) {
		if (accounts.findByIdNow(userId).isEmpty()) {
			throw new NotFound("user_not_found", "No user with id " + userId);
		}
	}

	private Conversation load(UUID id) {
		ConversationRepository.Row row = conversations.find(id).orElseThrow();
		List<ConversationRepository.MemberRow> rows = conversations.members(id);
		Map<UUID, String> names = accounts.usernamesNow(rows.stream().map(ConversationRepository.MemberRow::userId).toList());
		List<Member> members = new ArrayList<>();
		for (ConversationRepository.MemberRow m : rows) {
			members.add(new Member(m.userId(), names.get(m.userId()), m.role(), m.joinedAt()));
		}
		return new Conversation(row.id(), row.kind(), row.name(), row.createdBy(), row.createdAt(), List.copyOf(members));
	}

	private Instant now() {
		return Instant.now(clock).truncatedTo(ChronoUnit.MILLIS);
	}

	static String directKey(UUID a, UUID b) {
		return a.compareTo(b) <= 0 ? a + ":" + b : b + ":" + a;
	}
}
