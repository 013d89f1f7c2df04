package dev.iotspring.test.tls;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.List;


/**
 * A certificate issued by a {@link TestCertificateAuthority}, with its private key and chain (leaf first,
 * then the CA).
 */
public final class IssuedCertificate {

    private final String commonName;

    private final PrivateKey privateKey;

    private final List<X509Certificate> chain;

    IssuedCertificate(String commonName, PrivateKey privateKey, List<X509Certificate> chain) {
        this.commonName = commonName;
        this.privateKey = privateKey;
        this.chain = List.copyOf(chain);
    }

    public String commonName() {
        return this.commonName;
    }

    public X509Certificate certificate() {
        return this.chain.get(0);
    }

    public PrivateKey privateKey() {
        return this.privateKey;
    }

    /** Leaf first, then the issuing CA. */
    public List<X509Certificate> chain() {
        return this.chain;
    }

    /** A PKCS12 key store with one entry, alias {@code alias}, protected by {@code password}. */
    public KeyStore keyStore(String alias, char[] password) {
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry(alias, this.privateKey, password, this.chain.toArray(Certificate[]::new));
            return store;
        }
        catch (GeneralSecurityException | IOException ex) {
            throw new IllegalStateException("Cannot build key store for '" + this.commonName + "'", ex);
        }
    }

    /** {@link #keyStore(String, char[])} with alias {@code key}. */
    public KeyStore keyStore(char[] password) {
        return keyStore("key", password);
    }

    /** Writes a PKCS12 key store file and returns it. */
    public Path writeKeyStore(Path file, char[] password) {
        return store(keyStore(password), file, password);
    }

    /** The certificate chain as PEM text (leaf first). */
    public String certificatePem() {
        StringBuilder pem = new StringBuilder();
        for (X509Certificate cert : this.chain) {
            pem.append(TestCertificateAuthority.pem(cert));
        }
        return pem.toString();
    }

    /** The private key as unencrypted PKCS#8 PEM text. */
    public String privateKeyPem() {
        return TestCertificateAuthority.privateKeyPem(this.privateKey);
    }

    /** Writes {@code <name>.crt} (chain) and {@code <name>.key} into {@code directory}; returns the two files. */
    public PemFiles writePem(Path directory, String name) {
        Path cert = TestCertificateAuthority.write(directory.resolve(name + ".crt"), certificatePem());
        Path key = TestCertificateAuthority.write(directory.resolve(name + ".key"), privateKeyPem());
        return new PemFiles(cert, key);
    }

    static Path store(KeyStore store, Path file, char[] password) {
        try {
            if (file.getParent() != null) {
                Files.createDirectories(file.getParent());
            }
            try (OutputStream out = Files.newOutputStream(file)) {
                store.store(out, password);
            }
            return file;
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        catch (GeneralSecurityException ex) {
            throw new IllegalStateException("Cannot write key store " + file, ex);
        }
    }

    @Override
    public String toString() {
        return "IssuedCertificate[CN=" + this.commonName + "]";
    }

    /**
     * PEM files of one certificate.
     * @param certificate chain, leaf first
     * @param privateKey PKCS#8 private key
     */
    public record PemFiles(Path certificate, Path privateKey) {
    }
}
