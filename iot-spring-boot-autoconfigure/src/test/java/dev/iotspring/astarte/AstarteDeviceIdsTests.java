package dev.iotspring.astarte;

import java.util.Base64;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class AstarteDeviceIdsTests {

    private static final UUID NAMESPACE = UUID.fromString("f79ad91f-c638-4889-ae74-9d001a3b4cf8");

    @Test
    void namespaceIdMatchesTheSpecVector() {
        assertThat(AstarteDeviceIds.fromNamespace(NAMESPACE, "98:75:a8:0d:96:db")).isEqualTo("mT56ik-VWRqYOYveajVUtg");
    }

    @Test
    void namespaceIdIsTheUuidV5OfTheData() {
        String id = AstarteDeviceIds.fromNamespace(NAMESPACE, "98:75:a8:0d:96:db");
        assertThat(id).isEqualTo(AstarteDeviceIds.of(UUID.fromString("993e7a8a-4f95-591a-9839-8bde6a3554b6")));
        assertThat(AstarteDeviceIds.fromNamespace(NAMESPACE, "98:75:a8:0d:96:dc")).isNotEqualTo(id);
    }

    @Test
    void uuidIdMatchesTheSpecVector() {
        assertThat(AstarteDeviceIds.of(UUID.fromString("12345678-1234-4234-9234-123456789abc")))
            .isEqualTo("EjRWeBI0QjSSNBI0VniavA");
    }

    @Test
    void randomIdsAreCanonicalSixteenByteIds() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            String id = AstarteDeviceIds.random();
            assertThat(id).hasSize(22).doesNotContain("=", "+", "/");
            assertThat(AstarteDeviceIds.isValid(id)).as(id).isTrue();
            byte[] raw = Base64.getUrlDecoder().decode(id);
            assertThat(raw).hasSize(16);
            // Version 4 nibble and RFC 4122 variant bits.
            assertThat(raw[6] & 0xf0).isEqualTo(0x40);
            assertThat(raw[8] & 0xc0).isEqualTo(0x80);
            seen.add(id);
        }
        assertThat(seen).hasSize(200);
    }

    @Test
    void validityRejectsLongPaddedAndForeignIds() {
        assertThat(AstarteDeviceIds.isValid("mT56ik-VWRqYOYveajVUtg")).isTrue();
        assertThat(AstarteDeviceIds.isValid("MTIzNDU2NzgtMTIzNC00MjM0LTkyMzQtMTIzNDU2Nzg5YWJj")).isFalse();
        assertThat(AstarteDeviceIds.isValid("mT56ik-VWRqYOYveajVUtg==")).isFalse();
        assertThat(AstarteDeviceIds.isValid("mT56ik+VWRqYOYveajVUtg")).isFalse();
        // 22 characters but the last one carries bits beyond the 16th byte.
        assertThat(AstarteDeviceIds.isValid("mT56ik-VWRqYOYveajVUtB")).isFalse();
        assertThat(AstarteDeviceIds.isValid(null)).isFalse();
    }
}
