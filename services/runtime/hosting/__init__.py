"""Hosting one service process: what a service declares (:mod:`.definition`), the boot order
(:mod:`.boot`), the topics it declares (:mod:`.topics`), readiness and the gate in front of
its routes (:mod:`.readiness`), and the ASGI app that ties them together (:mod:`.app`)."""
