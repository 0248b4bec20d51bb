"""QuickBooks Desktop (qbXML 13.0 through the QuickBooks Web Connector), a pull package.

The Web Connector on the customer's PC asks our SOAP service (app/webconnector/) for work;
everything here is pure code: `qbxml` renders our canonical records and the list queries as
qbXML requests, `limits` refuses what QuickBooks would refuse before anything is sent,
`responses` reads qbXML responses back, `stages` and `lookups` carry a record through its
requests (add, check after a lost answer, a credit memo applied to its invoice), `lists` asks
for and reads the lists the mapping is made from, `soap` / `wsdl` / `qwc` are the Web
Connector's own contract, and `connector` ties them into the platform's PullConnector.
"""

from connectors.quickbooks_desktop.connector import QuickBooksDesktopConnector

__all__ = ["QuickBooksDesktopConnector"]
