package io.parley.notifications.internal;

import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;

import io.parley.groups.Conversations;
import io.parley.groups.NotAMember;
import io.parley.notifications.PushDevices;
import io.parley.notifications.PushGateway;
import io.parley.notifications.PushPlatformUnavailable;
import io.parley.shared.Blocking;
import io.parley.shared.NotFound;

import org.springframework.stereotype.Service;

import reactor.core.publisher.Mono;

@Service
class PushDeviceManagement implements PushDevices {

	private final PushStore store;
	private final Conversations conversations;
	private final Map<String, PushGateway> gateways;
	private final Clock clock;

	PushDeviceManagement(PushStore store, Conversations conversations, List<PushGateway> gateways, Clock clock) {
		this.store = store;
		this.conversations = conversations;
		this.gateways = gateways.stream().collect(Collectors.toMap(PushGateway::platform, Function.identity()));
		this.clock = clock;
	}

	@Override
	public Mono<Device> register(UUID userId, String platform, String token) {
		PushGateway gateway = gateways.get(platform);
		if (gateway == null || !gateway.enabled()) {
			return Mono.error(new PushPlatformUnavailable(platform));
		}
		return Blocking.call(() -> {
			PushStore.Token stored = store.register(userId, platform, token, clock.instant());
			return new Device(stored.id(), stored.platform(), stored.createdAt());
		});
	}

	@Override
	public Mono<Void> unregister(UUID userId, UUID deviceId) {
		return Blocking.call(() -> store.unregister(userId, deviceId)).flatMap(removed -> removed ? Mono.<Void>empty()
				: Mono.error(new NotFound("device_not_found", "No push device " + deviceId + " of yours")));
	}

	@Override
	public Mono<List<Device>> devices(UUID userId) {
		return Blocking.call(() -> store.tokens(userId).stream().map(t -> new Device(t.id(), t.platform(), t.createdAt())).toList());
	}

	@Override
	public Mono<Void> mute(UUID userId, UUID conversationId, boolean muted) {
		return Blocking.run(() -> {
			if (!conversations.isMemberNow(conversationId, userId)) {
				throw new NotAMember("You are not a member of conversation " + conversationId);
			}
			if (muted) {
				store.mute(userId, conversationId, clock.instant());
			}
			else {
				store.unmute(userId, conversationId);
			}
		});
	}
}
