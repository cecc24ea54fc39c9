"""The HTTP edge: routing and hot routes, dependencies, identity and tokens, the caller's
scope from the roster, errors, body limits, the access log of personal data, client
idempotency keys and the ops routes every service with a store answers."""
