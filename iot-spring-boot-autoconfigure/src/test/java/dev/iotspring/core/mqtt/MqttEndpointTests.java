package dev.iotspring.core.mqtt;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class MqttEndpointTests {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            mqtt://broker.example.com            | broker.example.com | 1883  | false | false | ''      | tcp://broker.example.com:1883
            mqtt-tcp://broker.example.com        | broker.example.com | 1883  | false | false | ''      | tcp://broker.example.com:1883
            mqtts://broker.example.com           | broker.example.com | 8883  | true  | false | ''      | ssl://broker.example.com:8883
            ws://broker.example.com              | broker.example.com | 80    | false | true  | /mqtt   | ws://broker.example.com:80/mqtt
            wss://broker.example.com             | broker.example.com | 443   | true  | true  | /mqtt   | wss://broker.example.com:443/mqtt
            mqtt://10.0.0.5:11883                | 10.0.0.5           | 11883 | false | false | ''      | tcp://10.0.0.5:11883
            mqtts://broker.example.com:18883/    | broker.example.com | 18883 | true  | false | ''      | ssl://broker.example.com:18883
            ws://localhost:8080/                 | localhost          | 8080  | false | true  | /mqtt   | ws://localhost:8080/mqtt
            wss://ingestor.prod.stella.cloud:8083/mqtt | ingestor.prod.stella.cloud | 8083 | true | true | /mqtt | wss://ingestor.prod.stella.cloud:8083/mqtt
            wss://host:9443/custom/ws            | host               | 9443  | true  | true  | /custom/ws | wss://host:9443/custom/ws
            MQTTS://Broker.Example.com           | Broker.Example.com | 8883  | true  | false | ''      | ssl://Broker.Example.com:8883
            '  mqtt://padded.example.com  '      | padded.example.com | 1883  | false | false | ''      | tcp://padded.example.com:1883
            mqtt://[::1]:1884                    | [::1]              | 1884  | false | false | ''      | tcp://[::1]:1884
            """)
    void parsesSupportedUrls(String url, String host, int port, boolean tls, boolean webSocket, String path,
            String pahoUri) {
        MqttEndpoint endpoint = MqttEndpoint.parse(url);
        assertThat(endpoint.host()).isEqualTo(host);
        assertThat(endpoint.port()).isEqualTo(port);
        assertThat(endpoint.isTls()).isEqualTo(tls);
        assertThat(endpoint.isWebSocket()).isEqualTo(webSocket);
        assertThat(endpoint.path()).isEqualTo(path);
        assertThat(endpoint.pahoServerUri()).isEqualTo(pahoUri);
        assertThat(endpoint.url()).isEqualTo(url.trim());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', nullValues = "NULL", textBlock = """
            NULL                            | MQTT broker URL is empty
            '   '                           | MQTT broker URL is empty
            tcp://broker:1883               | unsupported scheme 'tcp'; expected one of mqtt, mqtt-tcp, mqtts, ws, wss
            http://broker                   | unsupported scheme 'http'
            ssl://broker:8883               | unsupported scheme 'ssl'
            broker.example.com:1883         | unsupported scheme 'broker.example.com'
            broker.example.com              | has no scheme
            mqtt://                         | is not a valid URL
            mqtt:broker                     | has no host
            mqtt://:1883                    | has no host
            mqtt://broker:abc               | invalid port 'abc'
            mqtt://broker:0                 | invalid port 0
            mqtt://broker:70000             | invalid port 70000
            mqtt://broker:                  | has an empty port
            mqtt://broker/some/path         | has a path '/some/path', but mqtt is plain TCP
            mqtts://broker?x=1              | must not have a query or fragment
            ws://broker/mqtt#frag           | must not have a query or fragment
            mqtt://user:secret@broker       | must not carry user info
            'mqtt://bro ker'                | is not a valid URL
            """)
    void rejectsInvalidUrls(String url, String message) {
        assertThatIllegalArgumentException().isThrownBy(() -> MqttEndpoint.parse(url)).withMessageContaining(message);
    }

    @org.junit.jupiter.api.Test
    void userInfoIsNotEchoed() {
        assertThatIllegalArgumentException().isThrownBy(() -> MqttEndpoint.parse("mqtt://user:secret@broker"))
            .withMessageNotContaining("secret");
        assertThatIllegalArgumentException().isThrownBy(() -> MqttEndpoint.parse("mqtt://user:secret@broker/x"))
            .withMessageNotContaining("secret");
        assertThatIllegalArgumentException().isThrownBy(() -> MqttEndpoint.parse("ftp://user:secret@broker"))
            .withMessageNotContaining("secret");
    }

    @org.junit.jupiter.api.Test
    void equalityFollowsTheResolvedAddress() {
        assertThat(MqttEndpoint.parse("mqtt://h")).isEqualTo(MqttEndpoint.parse("mqtt-tcp://h:1883"));
        assertThat(MqttEndpoint.parse("ws://h")).isEqualTo(MqttEndpoint.parse("ws://h:80/mqtt"));
        assertThat(MqttEndpoint.parse("ws://h")).isNotEqualTo(MqttEndpoint.parse("wss://h"));
    }
}
