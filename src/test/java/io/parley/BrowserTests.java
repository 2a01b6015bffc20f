package io.parley;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.parley.dev.ParleyIntegrationTest;
import io.parley.support.Browser;
import io.parley.support.ChatClient;
import io.parley.support.ParleyApi;
import io.parley.support.ParleyApi.User;
import io.parley.support.SecondNode;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;

import tools.jackson.databind.JsonNode;

/**
 * The web client at {@code /}, built on the JavaScript SDK, in real headless Chromium windows (one
 * per person) against a real Parley: people register and chat, see each other type and go away,
 * edit and delete, page history; a window whose WebSocket is blocked falls back and still chats; a
 * window whose server restarts reconnects and shows what was sent meanwhile. Screenshots of each
 * key step go to {@code target/browser-screenshots/}.
 */
@ParleyIntegrationTest
class BrowserTests {

	@LocalServerPort
	int port;

	ParleyApi api;

	String baseUrl;

	@BeforeAll
	static void chromiumIsThere() {
		Browser.requireChromium();
		Browser.clearScreenshots();
	}

	@BeforeEach
	void parleyIsReady() {
		api = new ParleyApi(port).awaitMessagePipeline();
		baseUrl = "http://localhost:" + port;
	}

	@Test
	void twoPeopleRegisterAndChatSeeEachOtherTypeAndReadAndThePresenceDotGoesOffWhenAWindowCloses() {
		String suffix = UUID.randomUUID().toString().substring(0, 6);
		String aliceName = "alice-" + suffix;
		String bobName = "bob-" + suffix;
		try (Browser alice = Browser.open("alice"); Browser bob = Browser.open("bob")) {
			alice.go(baseUrl + "/").register(aliceName, "correct horse battery");
			bob.go(baseUrl + "/").register(bobName, "correct horse battery");

			// Alice opens a direct chat with Bob by his username and writes.
			alice.find("direct-form").findElement(org.openqa.selenium.By.name("username")).sendKeys(bobName);
			alice.find("direct-form").submit();
			alice.eventually(() -> assertThat(alice.text("conv-title")).isEqualTo(bobName));
			alice.eventually(() -> assertThat(alice.attribute("#conn", "data-state")).isEqualTo("open"));
			alice.send("Hi Bob, lunch?");
			alice.eventually(() -> assertThat(alice.messageBodies()).containsExactly("Hi Bob, lunch?"));
			alice.eventually(() -> assertThat(alice.texts("#messages li.mine .ticks")).hasSize(1));
			assertThat(alice.attribute("#messages li.mine .ticks", "class")).as("stored or delivered, not read yet").isEqualTo("ticks");

			// Bob's list gets the conversation with an unread badge, and Alice's dot is on.
			bob.eventually(() -> assertThat(bob.conversation(aliceName).getText()).contains("1"));
			bob.eventually(() -> assertThat(bob.conversation(aliceName).findElement(org.openqa.selenium.By.className("badge")).getText())
				.isEqualTo("1"));
			bob.eventually(() -> assertThat(bob.all("#conversations .dot-online")).hasSize(1));
			bob.screenshot("unread-badge-and-presence");
			alice.eventually(() -> assertThat(alice.all("#conversations .dot-online")).hasSize(1));

			// Bob opens it: he sees the message, the badge goes, and Alice's tick turns to read.
			bob.openConversation(aliceName);
			bob.eventually(() -> assertThat(bob.messageBodies()).containsExactly("Hi Bob, lunch?"));
			bob.eventually(() -> assertThat(bob.all("#conversations .badge")).isEmpty());
			alice.eventually(() -> assertThat(alice.attribute("#messages li.mine .ticks", "class")).isEqualTo("ticks read"));
			alice.eventually(() -> assertThat(alice.texts("#messages li.mine .ticks")).containsExactly("✓✓"));
			alice.screenshot("read-ticks");

			// Bob types: Alice sees it at once, and it goes away by itself when he pauses (no send, no blur).
			bob.typeInComposer("Sure, at");
			alice.eventually(Duration.ofSeconds(5), () -> assertThat(alice.text("typing")).isEqualTo(bobName + " is typing…"));
			alice.screenshot("bob-is-typing");
			alice.eventually(Duration.ofSeconds(10), () -> assertThat(alice.text("typing")).isEmpty());
			alice.screenshot("typing-gone");

			// He finishes and sends; it reaches Alice.
			bob.send(" noon");
			alice.eventually(() -> assertThat(alice.messageBodies()).containsExactly("Hi Bob, lunch?", "Sure, at noon"));
			bob.eventually(() -> assertThat(bob.messageBodies()).containsExactly("Hi Bob, lunch?", "Sure, at noon"));

			// Alice edits her message, then deletes it: Bob's view follows.
			alice.all("#messages li.mine button[aria-label='Edit message']").get(0).click();
			org.openqa.selenium.WebElement editor = alice.all("#messages li.mine .edit-form textarea").get(0);
			editor.clear();
			editor.sendKeys("Hi Bob, lunch today?");
			alice.all("#messages li.mine .edit-form button[type=submit]").get(0).click();
			bob.eventually(() -> assertThat(bob.messageBodies()).containsExactly("Hi Bob, lunch today?", "Sure, at noon"));
			bob.eventually(() -> assertThat(bob.texts("#messages li .edited")).containsExactly("(edited)"));
			bob.screenshot("edited");
			alice.eventually(() -> alice.all("#messages li.mine button[aria-label='Delete message']").get(0).click());
			alice.eventually(() -> alice.all("#messages li.mine .confirm button.danger").get(0).click());
			bob.eventually(() -> assertThat(bob.messageBodies()).containsExactly("message deleted", "Sure, at noon"));
			alice.eventually(() -> assertThat(alice.messageBodies()).containsExactly("message deleted", "Sure, at noon"));
			bob.screenshot("deleted");

			// Bob closes his window: his dot at Alice's goes off (within the presence TTL and a sweep).
			bob.close();
			alice.eventually(Duration.ofSeconds(30), () -> assertThat(alice.all("#conversations .dot-offline")).hasSize(1));
			assertThat(alice.all("#conversations .dot-online")).isEmpty();
			alice.screenshot("bob-went-offline");
		}
	}

	@Test
	void twoOthersTypingAtOnceReadAsAAndBAreTyping() {
		User alice = api.newUser("alice");
		User bob = api.newUser("bob");
		User carol = api.newUser("carol");
		UUID group = api.createGroup(alice, "Planning", bob, carol);
		try (Browser page = Browser.open("alice"); ChatClient bobs = api.connect(bob); ChatClient carols = api.connect(carol)) {
			page.openAs(baseUrl, alice, null).openConversation("Planning");
			bobs.typing("start", group);
			page.eventually(() -> assertThat(page.text("typing")).isEqualTo(bob.username() + " is typing…"));
			carols.typing("start", group);
			page.eventually(() -> assertThat(page.text("typing"))
				.isIn(bob.username() + " and " + carol.username() + " are typing…", carol.username() + " and " + bob.username() + " are typing…"));
			page.screenshot("two-are-typing");
			bobs.typing("stop", group);
			page.eventually(() -> assertThat(page.text("typing")).isEqualTo(carol.username() + " is typing…"));
			// Carol never says stop: the server expires it and the indicator goes by itself.
			page.eventually(Duration.ofSeconds(15), () -> assertThat(page.text("typing")).isEmpty());
		}
	}

	@Test
	void historyPagesBackwardsWithLoadOlder() {
		User alice = api.newUser("alice");
		User bob = api.newUser("bob");
		UUID group = api.createGroup(alice, "Long story", bob);
		try (ChatClient bobs = api.connect(bob)) {
			for (int i = 1; i <= 60; i++) {
				bobs.send(group, "chapter " + i);
				nextOfType(bobs, "ack");
			}
		}
		try (Browser page = Browser.open("alice")) {
			page.openAs(baseUrl, alice, null).openConversation("Long story");
			page.eventually(() -> assertThat(page.messageBodies()).hasSize(50).endsWith("chapter 60").startsWith("chapter 11"));
			assertThat(page.find("load-older").isDisplayed()).isTrue();
			page.find("load-older").click();
			page.eventually(() -> assertThat(page.messageBodies()).hasSize(60).startsWith("chapter 1", "chapter 2").endsWith("chapter 60"));
			page.eventually(() -> assertThat(page.text("history-start")).isEqualTo("This is the beginning of the conversation."));
			assertThat(page.find("load-older").isDisplayed()).isFalse();
			page.screenshot("history-paged");
		}
	}

	@Test
	void withWebSocketBlockedThePageFallsBackToServerSentEventsAndStillChats() {
		fallsBackAndChats("blockWebSocket", "sse");
	}

	@Test
	void withWebSocketAndServerSentEventsBlockedThePageFallsBackToLongPollingAndStillChats() {
		fallsBackAndChats("blockWebSocket&blockEventSource", "longpoll");
	}

	private void fallsBackAndChats(String hooks, String transport) {
		User alice = api.newUser("alice");
		User bob = api.newUser("bob");
		UUID chat = api.direct(alice, bob);
		try (Browser page = Browser.open("alice-" + transport); ChatClient bobs = api.connect(bob)) {
			page.openAs(baseUrl, alice, hooks).openConversation(bob.username());
			page.eventually(Duration.ofSeconds(30), () -> {
				assertThat(page.attribute("#conn", "data-state")).isEqualTo("open");
				assertThat(page.attribute("#conn", "data-transport")).isEqualTo(transport);
			});
			bobs.send(chat, "can you hear me?");
			page.eventually(() -> assertThat(page.messageBodies()).containsExactly("can you hear me?"));
			page.send("loud and clear over " + transport);
			assertThat(nextMessages(bobs, 2)).containsExactly("can you hear me?", "loud and clear over " + transport);
			page.eventually(() -> assertThat(page.messageBodies()).containsExactly("can you hear me?", "loud and clear over " + transport));
			bobs.typing("start", chat);
			page.eventually(() -> assertThat(page.text("typing")).isEqualTo(bob.username() + " is typing…"));
			page.screenshot("chatting-over-" + transport);
		}
	}

	@Test
	void afterItsServerRestartsThePageReconnectsAndShowsWhatWasSentMeanwhile() throws IOException {
		User alice = api.newUser("alice");
		User bob = api.newUser("bob");
		UUID chat = api.direct(alice, bob);
		int fixedPort = freePort();
		SecondNode node = SecondNode.start(Map.of("server.port", fixedPort));
		try (Browser page = Browser.open("alice-restart"); ChatClient bobs = api.connect(bob)) {
			node.api().awaitMessagePipeline();
			String nodeUrl = "http://localhost:" + fixedPort;
			page.openAs(nodeUrl, alice, "reconnectCapMs=2000").openConversation(bob.username());
			page.eventually(() -> assertThat(page.attribute("#conn", "data-state")).isEqualTo("open"));
			bobs.send(chat, "before the restart");
			assertThat(nextOfType(bobs, "ack").get("seq").asLong()).isEqualTo(1);
			page.eventually(() -> assertThat(page.messageBodies()).containsExactly("before the restart"));

			node.close();
			page.eventually(() -> assertThat(page.find("banner").isDisplayed()).isTrue());
			assertThat(page.text("banner")).containsAnyOf("Reconnecting", "Connection lost");
			page.screenshot("server-down-banner");
			bobs.send(chat, "while you were away");
			assertThat(nextOfType(bobs, "ack").get("seq").asLong()).isEqualTo(2);

			node = SecondNode.start(Map.of("server.port", fixedPort));
			node.api().awaitMessagePipeline();
			page.eventually(Duration.ofSeconds(60), () -> assertThat(page.messageBodies())
				.containsExactly("before the restart", "while you were away"));
			page.eventually(() -> assertThat(page.find("banner").isDisplayed()).isFalse());
			assertThat(page.attribute("#conn", "data-state")).isEqualTo("open");
			page.screenshot("reconnected");
			page.send("back again");
			page.eventually(() -> assertThat(page.messageBodies()).endsWith("back again"));
			// Bob's first entry went by while his second ack was awaited; his second and the page's follow.
			assertThat(nextMessages(bobs, 2)).containsExactly("while you were away", "back again");
		}
		finally {
			node.close();
		}
	}

	/** The next frame of this type, passing over the others (typing, acks, presence) on the way. */
	private static JsonNode nextOfType(ChatClient client, String type) {
		for (;;) {
			JsonNode frame = client.next();
			if (type.equals(frame.get("type").asString())) {
				return frame;
			}
		}
	}

	/** The bodies of the next `count` message entries this client receives (its own included). */
	private static List<String> nextMessages(ChatClient client, int count) {
		List<String> bodies = new ArrayList<>();
		while (bodies.size() < count) {
			bodies.add(nextOfType(client, "message").get("body").asString());
		}
		return bodies;
	}

	private static int freePort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0)) {
			socket.setReuseAddress(true);
			return socket.getLocalPort();
		}
	}

}
