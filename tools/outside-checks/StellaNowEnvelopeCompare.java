import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.UUID;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import dev.iotspring.stellanow.StellaNowEnvelopeCodec;
import dev.iotspring.stellanow.StellaNowMessage;

/**
 * Compares, byte for byte, the envelopes another StellaNow client sent (the {@code EVENT} lines of
 * {@code RunEmulator.java stellanow}'s report, in a file) with what the starter's codec writes for the same event:
 * same type, entities, payload text and origin date; the message id, random on both sides, taken from the other
 * client's. Run with the benchmarks' class path: {@code java -cp "$CP" StellaNowEnvelopeCompare.java <report file>}.
 */
public class StellaNowEnvelopeCompare {

    public static void main(String[] args) throws Exception {
        JsonMapper json = JsonMapper.builder().build();
        int same = 0;
        int different = 0;
        for (String line : Files.readAllLines(Path.of(args[0]))) {
            if (!line.startsWith("EVENT ")) {
                continue;
            }
            String theirs = line.substring(line.indexOf(" {") + 1);
            JsonNode envelope = json.readTree(theirs);
            JsonNode key = envelope.get("key");
            JsonNode metadata = envelope.at("/value/metadata");
            StellaNowMessage.Builder message = StellaNowMessage.builder(metadata.get("eventTypeDefinitionId").asString())
                .rawPayload(envelope.at("/value/payload").asString())
                .originDate(Instant.parse(metadata.get("messageOriginDateUTC").asString()));
            for (JsonNode entity : metadata.get("entityTypeIds")) {
                message.entity(entity.get("entityTypeDefinitionId").asString(), entity.get("entityId").asString());
            }
            StellaNowMessage built = message.build();
            StellaNowEnvelopeCodec codec = new StellaNowEnvelopeCodec(json,
                    UUID.fromString(key.get("organizationId").asString()), UUID.fromString(key.get("projectId").asString()));
            String ours = new String(codec.encode(built), java.nio.charset.StandardCharsets.UTF_8)
                .replace(built.messageId(), metadata.get("messageId").asString());
            if (ours.equals(theirs)) {
                same++;
                System.out.println("SAME      " + ours);
            }
            else {
                different++;
                System.out.println("THEIRS    " + theirs);
                System.out.println("OURS      " + ours);
            }
        }
        System.out.println(same + " identical, " + different + " different");
    }
}
