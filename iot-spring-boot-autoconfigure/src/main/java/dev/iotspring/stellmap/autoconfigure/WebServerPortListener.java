package dev.iotspring.stellmap.autoconfigure;

import dev.iotspring.stellmap.StellMapAutoRegistration;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.web.server.context.WebServerInitializedEvent;
import org.springframework.context.ApplicationListener;

/** Hands the application's web server port (not the management server's) to the auto-registration. */
final class WebServerPortListener implements ApplicationListener<WebServerInitializedEvent> {

    private final ObjectProvider<StellMapAutoRegistration> registration;

    WebServerPortListener(ObjectProvider<StellMapAutoRegistration> registration) {
        this.registration = registration;
    }

    @Override
    public void onApplicationEvent(WebServerInitializedEvent event) {
        if ("management".equals(event.getApplicationContext().getServerNamespace())) {
            return;
        }
        StellMapAutoRegistration target = this.registration.getIfAvailable();
        if (target != null) {
            target.webServerStarted(event.getWebServer().getPort());
        }
    }
}
