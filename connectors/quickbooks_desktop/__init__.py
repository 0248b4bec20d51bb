"""QuickBooks Desktop (qbXML 13.0 through the QuickBooks Web Connector): first slice.

Only pure functions so far: `qbxml` renders Ledgerlink's canonical records and the list queries
as qbXML requests, `limits` refuses what QuickBooks would refuse before anything is sent, and
`responses` reads qbXML responses back into outcomes and plain lists.

Deliberately NOT registered in connectors/__init__.py and holding no connector class: QuickBooks
Desktop is a pull package (the Web Connector on the customer's PC asks us for work), so it
cannot be offered until the pull-mode engine exists (a later issue). Until then nothing in the
app can reach this package.
"""
