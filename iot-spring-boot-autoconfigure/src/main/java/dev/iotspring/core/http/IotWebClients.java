package dev.iotspring.core.http;

import javax.net.ssl.SSLException;

import io.netty.channel.ChannelOption;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import reactor.netty.http.client.HttpClient;

import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslManagerBundle;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * Builds the Reactor Netty {@link HttpClient} and {@link WebClient} a platform uses, from
 * {@link HttpClientSettings}. Platforms start from the builder {@link IotWebClientBuilders} picks (Boot's
 * prototype {@code WebClient.Builder} when the application kept it), so the application's codecs and customizers
 * apply.
 */
public final class IotWebClients {

    private IotWebClients() {
    }

    /** A Reactor Netty client with the settings' timeouts and TLS; also the base for WebSocket clients. */
    public static HttpClient httpClient(HttpClientSettings settings) {
        HttpClient client = HttpClient.create()
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, Math.toIntExact(settings.connectTimeout().toMillis()))
            .responseTimeout(settings.responseTimeout());
        SslBundle bundle = settings.sslBundle();
        if (bundle != null) {
            SslContext context = nettySslContext(bundle);
            client = client.secure((spec) -> spec.sslContext(context));
        }
        return client;
    }

    /** Applies base URL, default headers and the connector to a (cloned) builder. */
    public static WebClient build(WebClient.Builder builder, HttpClientSettings settings) {
        return builder.clone()
            .baseUrl(settings.baseUrl().toString())
            .defaultHeaders((headers) -> settings.defaultHeaders().forEach(headers::set))
            .clientConnector(new ReactorClientHttpConnector(httpClient(settings)))
            .build();
    }

    static SslContext nettySslContext(SslBundle bundle) {
        SslManagerBundle managers = bundle.getManagers();
        try {
            SslContextBuilder builder = SslContextBuilder.forClient()
                .keyManager(managers.getKeyManagerFactory())
                .trustManager(managers.getTrustManagerFactory());
            String[] protocols = bundle.getOptions().getEnabledProtocols();
            if (protocols != null) {
                builder.protocols(protocols);
            }
            String[] ciphers = bundle.getOptions().getCiphers();
            if (ciphers != null) {
                builder.ciphers(java.util.List.of(ciphers));
            }
            return builder.build();
        }
        catch (SSLException ex) {
            throw new IllegalStateException("Cannot build a TLS context from the SSL bundle", ex);
        }
    }
}
