package dev.iotspring.stellanow;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.iotspring.test.stellanow.StellaNowIdentityProvider;
import dev.iotspring.test.stellanow.StellaNowIdentityProvider.Fault;
import dev.iotspring.test.stellanow.StellaNowIdentityProvider.TokenRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

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

    @Test
    void logsInOnceAndRefreshesBeforeExpiryTellingListeners() {
        OidcTokenSource source = source("s3cret");
        List<String> refreshed = new CopyOnWriteArrayList<>();
        source.addListener(new OidcTokenSource.Listener() {
            @Override
            public void tokenRefreshed(String accessToken) {
                refreshed.add(accessToken);
            }
        });
        source.start();
        await().atMost(Duration.ofSeconds(5)).until(() -> source.accessTokenExpiresAt() != null);
        String first = source.accessToken();
        Instant firstExpiry = source.accessTokenExpiresAt();
        assertThat(this.idp.isAccessTokenActive(first)).isTrue();

        await().atMost(Duration.ofSeconds(4)).until(() -> !refreshed.isEmpty());

        List<TokenRequest> refreshes = this.idp.requests("refresh_token");
        assertThat(refreshes).hasSize(1);
        assertThat(refreshes.get(0).at()).isBefore(firstExpiry);
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
        source.addListener(new OidcTokenSource.Listener() {
            @Override
            public void permanentlyFailed(StellaNowAuthenticationException failure) {
                failures.add(failure);
            }
        });
        source.start();
        await().atMost(Duration.ofSeconds(5)).until(source::isPermanentlyFailed);

        // One login plus the two quick retries for accounts shared by several workers, then nothing.
        assertThatExceptionOfType(StellaNowAuthenticationException.class).isThrownBy(source::accessToken)
            .satisfies((ex) -> {
                assertThat(ex.isPermanent()).isTrue();
                assertThat(ex.getStatus()).isEqualTo(401);
                assertThat(ex.getErrorCode()).isEqualTo("invalid_grant");
                assertThat(ex.getMessage()).contains("Invalid user credentials").doesNotContain("wrong");
            });
        await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(3))
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
    void serverErrorsAndHtmlPagesAreRetriedWithGrowingPauses() {
        this.idp.failNext(Fault.HTML_PAGE, 1);
        this.idp.failNext(Fault.SERVICE_UNAVAILABLE, 1);
        OidcTokenSource source = source("s3cret");
        source.start();

        await().atMost(Duration.ofSeconds(6)).until(() -> source.accessTokenExpiresAt() != null);

        List<TokenRequest> requests = this.idp.requests();
        assertThat(requests).extracting(TokenRequest::status).containsExactly(502, 503, 200);
        assertThat(Duration.between(requests.get(0).at(), requests.get(1).at())).isGreaterThanOrEqualTo(Duration.ofMillis(900));
        assertThat(Duration.between(requests.get(1).at(), requests.get(2).at())).isGreaterThanOrEqualTo(Duration.ofMillis(1900));
        assertThat(source.isPermanentlyFailed()).isFalse();
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
        assertThat(OidcTokenSource.classify(401, "application/json",
                "{\"error\":\"invalid_grant\",\"error_description\":\"Invalid user credentials\"}", true).isPermanent())
            .isTrue();
        assertThat(OidcTokenSource.classify(400, "application/json",
                "{\"error\":\"invalid_grant\",\"error_description\":\"Account disabled\"}", true).isPermanent())
            .isTrue();
        assertThat(OidcTokenSource.classify(403, "application/json",
                "{\"error\":\"access_denied\",\"error_description\":\"insufficient scope\"}", true).isPermanent())
            .isTrue();
        assertThat(OidcTokenSource.classify(400, "application/json",
                "{\"error\":\"invalid_grant\",\"error_description\":\"Token is not active\"}", false).isPermanent())
            .isFalse();
        assertThat(OidcTokenSource.classify(401, "application/json",
                "{\"error\":\"unauthorized_client\",\"error_description\":\"Invalid client\"}", false).isPermanent())
            .isTrue();
        assertThat(OidcTokenSource.classify(401, "text/html", "<html>Invalid credentials</html>", true).isPermanent())
            .isFalse();
        assertThat(OidcTokenSource.classify(503, "application/json", "{\"error\":\"x\"}", true).isPermanent()).isFalse();
        assertThat(OidcTokenSource.classify(429, "", "", true).isPermanent()).isFalse();
    }
}
