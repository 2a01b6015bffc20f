package io.parley;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import io.parley.dev.ParleyIntegrationTest;
import io.parley.support.ParleyApi;
import io.parley.support.ParleyApi.User;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

import tools.jackson.databind.JsonNode;

/**
 * The control plane's membership rules, on real PostgreSQL: who may add and remove whom, that a
 * 1:1 conversation is the same one however often (and however concurrently) it is asked for, and
 * that every refusal is a problem detail with a stable code.
 */
@ParleyIntegrationTest
class ConversationsApiTests {

	@LocalServerPort
	int port;

	ParleyApi api;
	WebTestClient http;

	@BeforeEach
	void setUp() {
		api = new ParleyApi(port);
		http = api.http();
	}

	@Test
	void theCreatorOwnsTheGroupAndOnlyOwnerAndAdminsAddMembers() {
		User owner = api.newUser("owner");
		User admin = api.newUser("admin");
		User member = api.newUser("member");
		User newcomer = api.newUser("newcomer");
		UUID group = api.createGroup(owner, "Book club");

		add(owner, group, admin.id(), "admin").expectStatus().isOk();
		add(admin, group, member.id(), "member").expectStatus().isOk()
			.expectBody().jsonPath("$.members.length()").isEqualTo(3);
		problem(add(member, group, newcomer.id(), "member"), 403, "insufficient_role");
		problem(add(admin, group, newcomer.id(), "admin"), 403, "insufficient_role");
		problem(add(owner, group, UUID.randomUUID(), "member"), 404, "user_not_found");

		JsonNode conversation = http.get().uri("/api/conversations/" + group).headers(h -> h.setBearerAuth(member.token()))
			.exchange().expectStatus().isOk().expectBody(JsonNode.class).returnResult().getResponseBody();
		Map<String, String> roles = conversation.get("members").valueStream()
			.collect(Collectors.toMap(m -> m.get("username").asString(), m -> m.get("role").asString()));
		assertThat(roles).containsExactlyInAnyOrderEntriesOf(
				Map.of(owner.username(), "owner", admin.username(), "admin", member.username(), "member"));
	}

	@Test
	void removalFollowsTheRolesAndAnyoneButTheOwnerMayLeave() {
		User owner = api.newUser("owner");
		User admin = api.newUser("admin");
		User member = api.newUser("member");
		User other = api.newUser("other");
		UUID group = api.createGroup(owner, "Team", member, other);
		add(owner, group, admin.id(), "admin").expectStatus().isOk();

		problem(remove(member, group, other.id()), 403, "insufficient_role");
		problem(remove(admin, group, owner.id()), 403, "insufficient_role");
		remove(admin, group, other.id()).expectStatus().isNoContent();
		problem(remove(admin, group, other.id()), 404, "not_a_member");
		remove(member, group, member.id()).expectStatus().isNoContent(); // leaving
		problem(remove(owner, group, owner.id()), 409, "owner_cannot_leave");

		// Removed and departed members no longer see the group at all.
		problem(http.get().uri("/api/conversations/" + group).headers(h -> h.setBearerAuth(member.token())).exchange(), 404,
				"conversation_not_found");
		assertThat(myConversationIds(other)).doesNotContain(group);
		assertThat(myConversationIds(admin)).contains(group);
	}

	@Test
	void aDirectConversationIsTheSameForThePairEvenUnderConcurrentRequests() {
		User alice = api.newUser("alice");
		User bob = api.newUser("bob");

		List<CompletableFuture<String>> attempts = IntStream.range(0, 8)
			.mapToObj(i -> CompletableFuture.supplyAsync(() -> {
				User caller = i % 2 == 0 ? alice : bob;
				User other = i % 2 == 0 ? bob : alice;
				return http.post().uri("/api/conversations/direct").headers(h -> h.setBearerAuth(caller.token()))
					.bodyValue(Map.of("userId", other.id()))
					.exchange().expectStatus().isOk()
					.expectBody(JsonNode.class).returnResult().getResponseBody().get("id").asString();
			}))
			.toList();
		Set<String> ids = attempts.stream().map(CompletableFuture::join).collect(Collectors.toSet());

		assertThat(ids).hasSize(1);
		UUID direct = UUID.fromString(ids.iterator().next());
		problem(add(alice, direct, api.newUser("third").id(), "member"), 409, "direct_conversation_fixed");
		assertThat(myConversationIds(alice)).containsOnlyOnce(direct);
		assertThat(myConversationIds(bob)).containsOnlyOnce(direct);
	}

	@Test
	void requestsWithoutAValidTokenAreRefusedAsProblemDetails() {
		problem(http.get().uri("/api/conversations").exchange(), 401, "unauthorized");
		problem(http.get().uri("/api/conversations").headers(h -> h.setBearerAuth("not.a.jwt")).exchange(), 401, "unauthorized");
		User alice = api.newUser("alice");
		String forged = alice.token().substring(0, alice.token().length() - 4) + "AAAA";
		problem(http.get().uri("/api/conversations").headers(h -> h.setBearerAuth(forged)).exchange(), 401, "unauthorized");
	}

	@Test
	void badBodiesAndParametersAreValidationProblems() {
		User alice = api.newUser("alice");
		problem(http.post().uri("/api/conversations").headers(h -> h.setBearerAuth(alice.token()))
			.contentType(MediaType.APPLICATION_JSON).bodyValue("{\"name\":").exchange(), 400, "validation_failed");
		problem(http.post().uri("/api/conversations").headers(h -> h.setBearerAuth(alice.token()))
			.bodyValue(Map.of("name", " ")).exchange(), 400, "validation_failed");
		UUID group = api.createGroup(alice, "Limits");
		problem(http.get().uri("/api/conversations/" + group + "/messages?limit=0").headers(h -> h.setBearerAuth(alice.token()))
			.exchange(), 400, "validation_failed");
		problem(http.get().uri("/api/conversations/" + group + "/messages?limit=201").headers(h -> h.setBearerAuth(alice.token()))
			.exchange(), 400, "validation_failed");
		problem(http.get().uri("/api/conversations/not-a-uuid").headers(h -> h.setBearerAuth(alice.token())).exchange(), 400,
				"validation_failed");
	}

	private WebTestClient.ResponseSpec add(User actor, UUID group, UUID userId, String role) {
		return http.post().uri("/api/conversations/" + group + "/members").headers(h -> h.setBearerAuth(actor.token()))
			.bodyValue(Map.of("userId", userId, "role", role)).exchange();
	}

	private WebTestClient.ResponseSpec remove(User actor, UUID group, UUID userId) {
		return http.delete().uri("/api/conversations/" + group + "/members/" + userId).headers(h -> h.setBearerAuth(actor.token()))
			.exchange();
	}

	private List<UUID> myConversationIds(User user) {
		JsonNode list = http.get().uri("/api/conversations").headers(h -> h.setBearerAuth(user.token()))
			.exchange().expectStatus().isOk().expectBody(JsonNode.class).returnResult().getResponseBody();
		return list.valueStream().map(c -> UUID.fromString(c.get("id").asString())).toList();
	}

	private static void problem(WebTestClient.ResponseSpec response, int status, String code) {
		response.expectStatus().isEqualTo(status)
			.expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
			.expectBody()
			.jsonPath("$.code").isEqualTo(code)
			.jsonPath("$.status").isEqualTo(status)
			.jsonPath("$.detail").isNotEmpty();
	}
}
