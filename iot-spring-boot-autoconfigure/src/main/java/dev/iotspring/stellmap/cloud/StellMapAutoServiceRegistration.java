package dev.iotspring.stellmap.cloud;

import org.jspecify.annotations.Nullable;

import org.springframework.cloud.client.serviceregistry.AbstractAutoServiceRegistration;
import org.springframework.cloud.client.serviceregistry.AutoServiceRegistrationProperties;
import org.springframework.context.ApplicationContext;

/**
 * Spring Cloud's auto-registration for StellMap (modelled on {@code ConsulAutoServiceRegistration}): when the
 * web server starts it publishes {@code InstancePreRegisteredEvent}, puts the registration in service through
 * {@link StellMapServiceRegistry} and publishes {@code InstanceRegisteredEvent}. It does not register on its own:
 * the {@link dev.iotspring.stellmap.StellMapAutoRegistration} lifecycle does, once, and deregisters in its own
 * shutdown phase before the web server stops, so this class leaves deregistration to it.
 */
public class StellMapAutoServiceRegistration extends AbstractAutoServiceRegistration<StellMapRegistration> {

    private final StellMapRegistration registration;

    public StellMapAutoServiceRegistration(ApplicationContext context, StellMapServiceRegistry serviceRegistry,
            AutoServiceRegistrationProperties properties, StellMapRegistration registration) {
        super(context, serviceRegistry, properties);
        this.registration = registration;
    }

    @Override
    protected StellMapRegistration getRegistration() {
        return this.registration;
    }

    @Override
    protected @Nullable StellMapRegistration getManagementRegistration() {
        return null;
    }

    @Override
    protected boolean shouldRegisterManagement() {
        return false;
    }

    @Override
    protected Object getConfiguration() {
        return this.registration;
    }

    @Override
    protected boolean isEnabled() {
        return true;
    }

    /**
     * Nothing to do: Spring Cloud calls this when the bean is destroyed, after the lifecycle already deregistered
     * in its phase (before the web server stopped taking traffic).
     */
    @Override
    protected void deregister() {
    }
}
