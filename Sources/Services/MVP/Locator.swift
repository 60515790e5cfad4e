// Placeholder: the MediaMVP service-locator codec lands here.
