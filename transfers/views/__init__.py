"""The pages of 组织关系转接, one module per screen family.

Views parse, call a service or a selector, and render; the rules live in ``transfers.rules`` and
the services, the lists in ``selectors``. Every view acts for ``request.org`` (the logged-in
organisation); a transfer outside what it may see is a 404 (``selectors.visible_transfer``).
"""
