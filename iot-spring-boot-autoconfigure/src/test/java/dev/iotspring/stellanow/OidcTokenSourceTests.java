package dev.iotspring.stellanow;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.iotspring.test.stellanow.StellaNowIdentityProvider;
import dev.iotspring.test.stellanow.StellaNowIdentityProvider.Fault;
import dev.iotspring.test.stellanow.StellaNowIdentityProvider.TokenRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

class OidcTokenSourceTests {

    static final UUID ORG = UUID.randomUUID();

    final StellaNowIdentityProvider idp = StellaNowIdentityProvider.builder(ORG.toString())
        .user("ingest@example.com", "s3cret")
        .accessTokenLifetime(Duration.ofSeconds(3))
        .refreshTokenLifetime(Duration.ofSeconds(30))
        .build()
        .start();

    OidcTokenSource source;

    @AfterEach
    void close() {
        if (this.source != null) {
            this.source.close();
        }
        this.idp.close();
    }

    OidcTokenSource source(String password) {
        this.source = new OidcTokenSource(WebClient.builder().build(),
                OidcTokenSource.tokenEndpoint(this.idp.baseUrl(), ORG), "event-ingestor", "ingest@example.com",
                password, Duration.ofSeconds(40), Duration.ofSeconds(5));
        return this.source;
    }

    static final Duration WAIT = Duration.ofSeconds(30);

    @Test
    void logsInOnceAndRefreshesWithTheRefreshTokenTellingListeners() {
        OidcTokenSource source = source("s3cret");
        List<String> refreshed = new CopyOnWriteArrayList<>();
        source.addCallback(new OidcTokenSource.TokenCallback() {
            @Override
            public void tokenRefreshed(String accessToken) {
                refreshed.add(accessToken);
            }
        });
        source.start();
        await().atMost(WAIT).until(() -> source.accessTokenExpiresAt() != null);
        String first = source.accessToken();
        assertThat(this.idp.isAccessTokenActive(first)).isTrue();

        // When the refresh is due is refreshIsPlannedAheadOfExpiryButNotTooEarly's business (no clock here).
        await().atMost(WAIT).until(() -> !refreshed.isEmpty());

        List<TokenRequest> refreshes = this.idp.requests("refresh_token");
        assertThat(refreshes).isNotEmpty();
        assertThat(refreshes.get(0).status()).isEqualTo(200);
        assertThat(refreshes.get(0).refreshToken()).isNotBlank();
        assertThat(refreshes.get(0).clientId()).isEqualTo("event-ingestor");
        assertThat(refreshed.get(0)).isNotEqualTo(first);
        assertThat(source.accessToken()).isEqualTo(refreshed.get(0));
        assertThat(this.idp.isAccessTokenActive(refreshed.get(0))).isTrue();
        List<TokenRequest> logins = this.idp.requests("password");
        assertThat(logins).hasSize(1);
        assertThat(logins.get(0).username()).isEqualTo("ingest@example.com");
        assertThat(logins.get(0).passwordPresent()).isTrue();
    }

    @Test
    void deadRefreshTokenLeadsToOneFailedRefreshThenAPasswordLogin() {
        OidcTokenSource source = source("s3cret");
        String first = source.accessToken();
        this.idp.revokeRefreshTokens();

        source.refreshNow();

        assertThat(this.idp.requests()).extracting(TokenRequest::grantType, TokenRequest::status)
            .containsExactly(org.assertj.core.groups.Tuple.tuple("password", 200),
                    org.assertj.core.groups.Tuple.tuple("refresh_token", 400),
                    org.assertj.core.groups.Tuple.tuple("password", 200));
        String second = source.accessToken();
        assertThat(second).isNotEqualTo(first);
        assertThat(this.idp.isAccessTokenActive(second)).isTrue();
        assertThat(source.isPermanentlyFailed()).isFalse();
    }

    @Test
    void wrongPasswordIsPermanentAndTheIdentityProviderIsLeftAlone() {
        OidcTokenSource source = source("wrong");
        List<StellaNowAuthenticationException> failures = new CopyOnWriteArrayList<>();
        source.addCallback(new OidcTokenSource.TokenCallback() {
            @Override
            public void permanentlyFailed(StellaNowAuthenticationException failure) {
                failures.add(failure);
            }
        });
        source.start();
        await().atMost(WAIT).until(source::isPermanentlyFailed);

        // One login plus the two quick retries for accounts shared by several workers, then nothing.
        assertThatExceptionOfType(StellaNowAuthenticationException.class).isThrownBy(source::accessToken)
            .satisfies((ex) -> {
                assertThat(ex.isPermanent()).isTrue();
                assertThat(ex.getStatus()).isEqualTo(401);
                assertThat(ex.getErrorCode()).isEqualTo("invalid_grant");
                assertThat(ex.getMessage()).contains("Invalid user credentials").doesNotContain("wrong");
            });
        await().during(Duration.ofMillis(1500)).atMost(WAIT)
            .until(() -> this.idp.requests().size() == 3);
        assertThat(failures).hasSize(1);
    }

    @Test
    void unknownClientIsPermanent() {
        this.source = new OidcTokenSource(WebClient.builder().build(),
                OidcTokenSource.tokenEndpoint(this.idp.baseUrl(), ORG), "not-a-client", "ingest@example.com",
                "s3cret", Duration.ofSeconds(40), Duration.ofSeconds(5));
        assertThatExceptionOfType(StellaNowAuthenticationException.class).isThrownBy(this.source::accessToken)
            .satisfies((ex) -> assertThat(ex.isPermanent()).isTrue());
    }

    @Test
    void serverErrorsAndHtmlPagesAreRetriedUntilATokenComes() {
        this.idp.failNext(Fault.HTML_PAGE, 1);
        this.idp.failNext(Fault.SERVICE_UNAVAILABLE, 1);
        this.idp.failNext(Fault.SERVER_ERROR_JSON, 1);
        OidcTokenSource source = source("s3cret");
        source.start();

        await().atMost(WAIT).until(() -> source.accessTokenExpiresAt() != null);

        assertThat(this.idp.requests()).extracting(TokenRequest::status).containsExactly(502, 503, 500, 200);
        assertThat(source.isPermanentlyFailed()).isFalse();
        assertThat(source.lastFailure()).isNull();
    }

    @Test
    void retryPausesGrowFromOneSecondToTheirCaps() {
        StellaNowAuthenticationException server = OidcTokenClient.classify(503, "text/html", "<html/>", true);
        StellaNowAuthenticationException network = new StellaNowAuthenticationException("down", false, 0, null, null);
        assertThat(java.util.stream.IntStream.rangeClosed(1, 7).mapToObj((n) -> OidcTokenSource.retryDelay(server, n)))
            .extracting(Duration::toSeconds)
            .containsExactly(1L, 2L, 4L, 8L, 10L, 10L, 10L);
        assertThat(java.util.stream.IntStream.rangeClosed(1, 7).mapToObj((n) -> OidcTokenSource.retryDelay(network, n)))
            .extracting(Duration::toSeconds)
            .containsExactly(1L, 2L, 4L, 8L, 16L, 30L, 30L);
    }

    @Test
    void serverErrorWithAJsonBodyIsTransientAndNamesTheOauthError() {
        this.idp.failNext(Fault.SERVER_ERROR_JSON, 1);
        OidcTokenSource source = source("s3cret");
        assertThatExceptionOfType(StellaNowAuthenticationException.class).isThrownBy(source::accessToken)
            .satisfies((ex) -> {
                assertThat(ex.isPermanent()).isFalse();
                assertThat(ex.getStatus()).isEqualTo(500);
                assertThat(ex.getErrorCode()).isEqualTo("unknown_error");
                assertThat(ex.getMessage()).contains("Internal server error").doesNotContain("s3cret");
            });
        assertThat(source.isPermanentlyFailed()).isFalse();
        assertThat(this.idp.isAccessTokenActive(source.accessToken())).isTrue();
    }

    @ParameterizedTest
    @EnumSource(value = Fault.class, names = { "OK_NOT_JSON", "OK_WITHOUT_ACCESS_TOKEN" })
    void aSuccessWithoutAUsableTokenIsATransientTypedErrorWithoutSecrets(Fault fault) {
        this.idp.failNext(fault, 1);
        OidcTokenSource source = source("s3cret");
        assertThatExceptionOfType(StellaNowAuthenticationException.class).isThrownBy(source::accessToken)
            .satisfies((ex) -> {
                assertThat(ex.isPermanent()).isFalse();
                assertThat(ex.getStatus()).isEqualTo(200);
                assertThat(ex.getMessage())
                    .contains((fault == Fault.OK_NOT_JSON) ? "not a JSON object" : "without an access_token")
                    .doesNotContain("s3cret")
                    .doesNotContain("sign in");
            });
        assertThat(source.lastFailure()).isNotNull();
        assertThat(source.accessTokenExpiresAt()).isNull();

        // The next attempt gets a real token.
        String token = source.accessToken();
        assertThat(this.idp.isAccessTokenActive(token)).isTrue();
        assertThat(source.lastFailure()).isNull();
    }

    @Test
    void aSuccessWithoutAUsableTokenIsRetriedInTheBackground() {
        this.idp.failNext(Fault.OK_WITHOUT_ACCESS_TOKEN, 1);
        this.idp.failNext(Fault.OK_NOT_JSON, 1);
        OidcTokenSource source = source("s3cret");
        source.start();

        await().atMost(WAIT).until(() -> source.accessTokenExpiresAt() != null);

        assertThat(this.idp.requests()).extracting(TokenRequest::status).containsExactly(200, 200, 200);
        assertThat(source.isPermanentlyFailed()).isFalse();
    }

    @Test
    void anIdentityProviderThatDoesNotAnswerTimesOutWithATypedErrorAndIsAskedAgain() {
        this.idp.failNext(Fault.NO_ANSWER, 1);
        this.source = new OidcTokenSource(WebClient.builder().build(),
                OidcTokenSource.tokenEndpoint(this.idp.baseUrl(), ORG), "event-ingestor", "ingest@example.com",
                "s3cret", Duration.ofSeconds(40), Duration.ofSeconds(2));
        OidcTokenSource source = this.source;

        assertThatExceptionOfType(StellaNowAuthenticationException.class).isThrownBy(source::accessToken)
            .satisfies((ex) -> {
                assertThat(ex.isPermanent()).isFalse();
                assertThat(ex.getStatus()).isZero();
                assertThat(ex.getMessage()).contains("did not answer within 2000 ms").doesNotContain("s3cret");
            });
        assertThat(this.idp.requests()).extracting(TokenRequest::status).containsExactly(0);

        // In the background: the request times out again, the schedule retries after its pause, and this time
        // the identity provider answers.
        this.idp.failNext(Fault.NO_ANSWER, 1);
        source.start();
        await().atMost(WAIT).until(() -> source.accessTokenExpiresAt() != null);
        assertThat(this.idp.requests()).extracting(TokenRequest::status).containsExactly(0, 0, 200);
        assertThat(source.lastFailure()).isNull();
        assertThat(this.idp.isAccessTokenActive(source.accessToken())).isTrue();
    }

    @Test
    void oneRefusedLoginOfASharedAccountIsRetriedAndSucceeds() {
        // Several workers logging in with one account at once: Keycloak may refuse one of them briefly.
        this.idp.failNext(Fault.INVALID_CREDENTIALS, 1);
        OidcTokenSource source = source("s3cret");

        String token = source.accessToken();

        assertThat(this.idp.isAccessTokenActive(token)).isTrue();
        assertThat(this.idp.requests()).extracting(TokenRequest::status).containsExactly(401, 200);
        assertThat(source.isPermanentlyFailed()).isFalse();
    }

    @Test
    void credentialsRefusedThreeTimesInARowArePermanent() {
        this.idp.failNext(Fault.INVALID_CREDENTIALS, 3);
        OidcTokenSource source = source("s3cret");

        assertThatExceptionOfType(StellaNowAuthenticationException.class).isThrownBy(source::accessToken)
            .satisfies((ex) -> {
                assertThat(ex.isPermanent()).isTrue();
                assertThat(ex.getErrorCode()).isEqualTo("invalid_grant");
                assertThat(ex.getMessage()).doesNotContain("s3cret");
            });
        assertThat(source.isPermanentlyFailed()).isTrue();
        // Stopped for good: a later call does not ask the identity provider again.
        assertThatExceptionOfType(StellaNowAuthenticationException.class).isThrownBy(source::accessToken);
        assertThat(this.idp.requests()).hasSize(3);
    }

    @Test
    void unreachableIdentityProviderIsTransient() {
        OidcTokenSource source = new OidcTokenSource(WebClient.builder().build(),
                OidcTokenSource.tokenEndpoint(java.net.URI.create("http://127.0.0.1:1"), ORG), "event-ingestor", "u",
                "p", Duration.ofSeconds(40), Duration.ofSeconds(2));
        this.source = source;
        assertThatExceptionOfType(StellaNowAuthenticationException.class).isThrownBy(source::accessToken)
            .satisfies((ex) -> {
                assertThat(ex.isPermanent()).isFalse();
                assertThat(ex.getStatus()).isZero();
            });
    }

    @Test
    void refreshIsPlannedAheadOfExpiryButNotTooEarly() {
        Duration before = Duration.ofSeconds(40);
        assertThat(OidcTokenSource.refreshDelay(Duration.ofSeconds(60), before)).isEqualTo(Duration.ofSeconds(20));
        assertThat(OidcTokenSource.refreshDelay(Duration.ofSeconds(300), before)).isEqualTo(Duration.ofSeconds(260));
        assertThat(OidcTokenSource.refreshDelay(Duration.ofSeconds(3), before)).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void classifiesAnswersLikeThePythonSdkButNeverHtmlAsPermanent() {
        assertThat(OidcTokenClient.classify(401, "application/json",
                "{\"error\":\"invalid_grant\",\"error_description\":\"Invalid user credentials\"}", true).isPermanent())
            .isTrue();
        assertThat(OidcTokenClient.classify(400, "application/json",
                "{\"error\":\"invalid_grant\",\"error_description\":\"Account disabled\"}", true).isPermanent())
            .isTrue();
        assertThat(OidcTokenClient.classify(403, "application/json",
                "{\"error\":\"access_denied\",\"error_description\":\"insufficient scope\"}", true).isPermanent())
            .isTrue();
        assertThat(OidcTokenClient.classify(400, "application/json",
                "{\"error\":\"invalid_grant\",\"error_description\":\"Token is not active\"}", false).isPermanent())
            .isFalse();
        assertThat(OidcTokenClient.classify(401, "application/json",
                "{\"error\":\"unauthorized_client\",\"error_description\":\"Invalid client\"}", false).isPermanent())
            .isTrue();
        assertThat(OidcTokenClient.classify(401, "text/html", "<html>Invalid credentials</html>", true).isPermanent())
            .isFalse();
        assertThat(OidcTokenClient.classify(503, "application/json", "{\"error\":\"x\"}", true).isPermanent()).isFalse();
        assertThat(OidcTokenClient.classify(429, "", "", true).isPermanent()).isFalse();
    }
}
