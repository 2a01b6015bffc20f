package io.parley.support;

import java.util.UUID;

import io.parley.support.ParleyApi.User;

import org.junit.jupiter.api.BeforeEach;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * The opening scene of many stories: Alice and Bob, fresh users, share a new group, and this node's
 * message pipeline is ready. Subclasses are {@code @ParleyIntegrationTest}s.
 */
public abstract class AliceAndBobInAGroup {

	@LocalServerPort
	protected int port;

	protected ParleyApi api;
	protected User alice;
	protected User bob;
	protected UUID group;

	@BeforeEach
	void aliceAndBobShareAGroup() {
		api = new ParleyApi(port).awaitMessagePipeline();
		alice = api.newUser("alice");
		bob = api.newUser("bob");
		group = api.createGroup(alice, getClass().getSimpleName(), bob);
	}
}
