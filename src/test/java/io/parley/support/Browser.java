package io.parley.support;

import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.awaitility.core.ThrowingRunnable;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * One person's browser window on the web client: Debian's headless Chromium driven through its
 * chromedriver (both installed by {@code .ci/run}), with its own profile, so two of them are two
 * people. Finds the page's elements by the ids and classes of {@code static/index.html} and
 * {@code static/app.js}, and writes screenshots under {@code target/browser-screenshots/}.
 */
public final class Browser implements AutoCloseable {

	public static final Path CHROMIUM = Path.of("/usr/bin/chromium");
	public static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
	public static final Path SCREENSHOTS = Path.of("target", "browser-screenshots");

	private static final AtomicInteger shots = new AtomicInteger();

	private final ChromeDriver driver;
	private final String name;
	private boolean closed;

	private Browser(ChromeDriver driver, String name) {
		this.driver = driver;
		this.name = name;
	}

	/**
	 * Fails in CI (CI=true) when Chromium or its driver is missing, since .ci/run installs them;
	 * elsewhere skips with a note on how to install them.
	 */
	public static void requireChromium() {
		if (Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER)) {
			return;
		}
		String missing = "The browser tests need Debian's chromium and chromium-driver (" + CHROMIUM + ", " + CHROMEDRIVER
				+ "): `apt-get install -y chromium chromium-driver`, as .ci/run does";
		if ("true".equalsIgnoreCase(System.getenv("CI"))) {
			fail(missing);
		}
		Assumptions.abort(missing + " (skipped: not in CI)");
	}

	/** Removes the screenshots of an earlier run, so the folder shows this run's steps only. */
	public static void clearScreenshots() {
		if (!Files.isDirectory(SCREENSHOTS)) {
			return;
		}
		try (var files = Files.list(SCREENSHOTS)) {
			for (Path file : files.filter(f -> f.toString().endsWith(".png")).toList()) {
				Files.delete(file);
			}
		}
		catch (IOException e) {
			throw new IllegalStateException("could not clear " + SCREENSHOTS, e);
		}
	}

	public static Browser open(String name) {
		ChromeOptions options = new ChromeOptions();
		options.setBinary(CHROMIUM.toFile());
		options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
				"--window-size=1100,760", "--no-first-run", "--no-default-browser-check", "--disable-extensions",
				"--disable-background-networking", "--disable-features=Translate,MediaRouter");
		ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
			.usingAnyFreePort()
			.build();
		ChromeDriver driver = new ChromeDriver(service, options);
		driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(10));
		return new Browser(driver, name);
	}

	public Browser go(String url) {
		driver.get(url);
		return this;
	}

	/** Opens the page already logged in as the user (the token where the page keeps it), with an optional query. */
	public Browser openAs(String baseUrl, ParleyApi.User user, String query) {
		go(baseUrl + "/");
		script("sessionStorage.setItem('parley.token', arguments[0])", user.token());
		go(baseUrl + "/" + (query == null || query.isEmpty() ? "" : "?" + query));
		eventually(() -> org.assertj.core.api.Assertions.assertThat(find("me-name").getText()).isEqualTo(user.username()));
		return this;
	}

	/** Registers through the page's form (Register logs in at once). */
	public Browser register(String username, String password) {
		eventually(() -> org.assertj.core.api.Assertions.assertThat(find("auth-view").isDisplayed()).isTrue());
		WebElement form = find("auth-form");
		form.findElement(By.name("username")).sendKeys(username);
		form.findElement(By.name("password")).sendKeys(password);
		form.findElement(By.cssSelector("button[value=register]")).click();
		eventually(() -> org.assertj.core.api.Assertions.assertThat(find("me-name").getText()).isEqualTo(username));
		return this;
	}

	public WebElement find(String id) {
		return driver.findElement(By.id(id));
	}

	public List<WebElement> all(String css) {
		return driver.findElements(By.cssSelector(css));
	}

	public String text(String id) {
		return find(id).getText();
	}

	/** The text of every element matching the selector, in document order. */
	public List<String> texts(String css) {
		return all(css).stream().map(WebElement::getText).toList();
	}

	public String attribute(String css, String attribute) {
		List<WebElement> found = all(css);
		return found.isEmpty() ? null : found.get(0).getDomAttribute(attribute);
	}

	public Object script(String js, Object... args) {
		return ((JavascriptExecutor) driver).executeScript(js, args);
	}

	/** The conversation in the sidebar whose name contains the text. */
	public WebElement conversation(String nameContains) {
		return all("#conversations button").stream()
			.filter(b -> b.findElement(By.className("conv-name")).getText().contains(nameContains))
			.findFirst()
			.orElseThrow(() -> new AssertionError("no conversation named like '" + nameContains + "' in the list"));
	}

	public void openConversation(String nameContains) {
		eventually(() -> conversation(nameContains).click());
		eventually(() -> org.assertj.core.api.Assertions.assertThat(text("conv-title")).contains(nameContains));
	}

	public WebElement composer() {
		return driver.findElement(By.cssSelector("#composer textarea[name=body]"));
	}

	public void typeInComposer(String keys) {
		composer().sendKeys(keys);
	}

	public void send(String body) {
		composer().sendKeys(body);
		driver.findElement(By.cssSelector("#composer button[type=submit]")).click();
	}

	/** The message bubbles' bodies, oldest first. */
	public List<String> messageBodies() {
		return texts("#messages li.message .body");
	}

	/** Polls an assertion against the page for up to 20 s (the DOM changes under it, so stale elements are retried). */
	public void eventually(ThrowingRunnable assertion) {
		eventually(Duration.ofSeconds(20), assertion);
	}

	/** As {@link #eventually(ThrowingRunnable)}; when it times out, a screenshot of the page is written and named in the failure. */
	public void eventually(Duration atMost, ThrowingRunnable assertion) {
		try {
			await().atMost(atMost).pollInterval(Duration.ofMillis(100)).ignoreExceptions().untilAsserted(assertion);
		}
		catch (org.awaitility.core.ConditionTimeoutException e) {
			Path shot = closed ? null : screenshot("FAILED");
			throw new AssertionError(e.getMessage() + "\n(the page then: " + shot + ")", e);
		}
	}

	/** Writes a screenshot to target/browser-screenshots/NN-name-step.png and returns the file. */
	public Path screenshot(String step) {
		try {
			Files.createDirectories(SCREENSHOTS);
			File shot = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE);
			Path target = SCREENSHOTS.resolve(String.format("%02d-%s-%s.png", shots.incrementAndGet(), name, step));
			Files.copy(shot.toPath(), target, StandardCopyOption.REPLACE_EXISTING);
			return target;
		}
		catch (IOException e) {
			throw new IllegalStateException("could not write a screenshot", e);
		}
	}

	/** The browser's console output so far (for failure reports). */
	public String console() {
		try {
			return String.join("\n", driver.manage().logs().get("browser").getAll().stream().map(Object::toString).toList());
		}
		catch (RuntimeException e) {
			return "(no console log: " + e.getMessage() + ")";
		}
	}

	/** Closes the window and the browser, as a person closing it (the page gets no chance to say goodbye). */
	@Override
	public void close() {
		if (!closed) {
			closed = true;
			driver.quit();
		}
	}

}
