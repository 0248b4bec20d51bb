"""Sage 50 Accounts UK (v24.2 and later), a pull package collected by the Ledgerlink agent.

Sage 50 has no web API: its data is on the customer's PC or office server, where the agent
(agent/, a program of its own) takes batches from the agent API (app/agent/), writes them with
Sage Data Objects or Sage's own import files, and reports each record back. Everything here is
pure code: `payloads` renders our canonical records as the writer-ready payloads the agent
writes, `limits` refuses in pre-flight what Sage 50 would refuse (its field lengths, 8-character
account refs, T-codes), `results` reads the agent's answers back into outcomes, `lists` reads
the nominal codes, tax codes and contacts the agent sends, and `connector` ties them into the
platform's AgentPackage.
"""

from connectors.sage50.connector import Sage50Connector

__all__ = ["Sage50Connector"]
