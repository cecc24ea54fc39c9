"""The web gateway: the browser app and the platform's APIs under one origin."""
