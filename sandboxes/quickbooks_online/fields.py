"""Element and attribute names of the entities the sandbox creates, generated from Intuit's
Finance.xsd (sandboxes/quickbooks_online/schema.py) so that unknown properties are refused
(code 2010) even when the XSD file itself is not configured."""

from __future__ import annotations

FIELDS: dict[str, frozenset[str]] = {
    "Customer": frozenset(
        "ARAccountRef AcctNum Active AltContactName AlternatePhone AttachableRef Balance "
        "BalanceWithJobs BillAddr BillWithParent BusinessNumber CCDetail ClientCompanyId "
        "ClientEntityId CompanyName ContactName CreditLimit CurrencyRef CustomField CustomerEx "
        "CustomerTypeRef DefaultTaxCodeRef DisplayName FamilyName Fax FullyQualifiedName GSTIN "
        "GSTRegistrationType GivenName Id IntuitId IsCISContractor IsProject Job JobInfo Level "
        "MetaData MiddleName Mobile Notes OpenBalanceDate Organization OtherAddr OtherContactInfo "
        "OverDueBalance ParentRef PaymentMethodRef PreferredDeliveryMethod PriceLevelRef "
        "PrimaryEmailAddr PrimaryPhone PrimaryTaxIdentifier PrintOnCheckName ResaleNum "
        "RootCustomerRef SalesRepRef SalesTermRef SecondaryTaxIdentifier ShipAddr Source Suffix "
        "SyncToken TDSEnabled TaxExemptionReasonId TaxGroupCodeRef TaxRateRef TaxRegime Taxable "
        "Title TotalExpense TotalRevenue UserId V4IDPseudonym WebAddr domain sparse status"
        .split()),
    "Vendor": frozenset(
        "APAccountRef AcctNum Active AltContactName AlternatePhone AttachableRef Balance BillAddr "
        "BillRate BusinessNumber CISRate CompanyName ContactName CostRate CreditLimit CurrencyRef "
        "CustomField DefaultTaxCodeRef DisplayName FamilyName Fax FullyQualifiedName GSTIN "
        "GSTRegistrationType GivenName HasTPAR Id IntuitId IsSubContractor MetaData MiddleName "
        "Mobile Notes OpenBalanceDate Organization OtherAddr OtherContactInfo ParentRef "
        "PrefillAccountRef PrimaryEmailAddr PrimaryPhone PrintOnCheckName ShipAddr Source "
        "SubcontractorType Suffix SyncToken T4AEligible T5018Eligible TDSEnabled TDSEntityTypeId "
        "TDSOverrideThreshold TDSSectionTypeId TaxCountry TaxIdEffectiveDate TaxIdentifier "
        "TaxReportingBasis TermRef Title UserId V4IDPseudonym Vendor1099 VendorEx "
        "VendorPaymentBankDetail VendorTypeRef WebAddr domain sparse status"
        .split()),
    "Invoice": frozenset(
        "ARAccountRef AllowIPNPayment AllowOnlineACHPayment AllowOnlineCreditCardPayment "
        "AllowOnlinePayPalPayment AllowOnlinePayment ApplyTaxAfterDiscount AttachableRef "
        "AutoDocNumber AutoPayEligible Balance BillAddr BillEmail BillEmailBcc BillEmailCc "
        "CfdiUse CheckPayment ClassRef ConvenienceFeeDetail CreditCardPayment CurrencyRef "
        "CustomField CustomerMemo CustomerRef DeliveryInfo DepartmentRef Deposit "
        "DepositToAccountRef DiscountAmt DiscountRate DocNumber DueDate ECloudStatusTimeStamp "
        "EInvoiceStatus EmailStatus ExchangeRate Exportation FOB FinanceCharge "
        "FinancingProductType FreeFormAddress GlobalInfo GlobalTaxCalculation "
        "GovtTxnRefIdentifier GratuityEnabled HomeBalance HomeTotalAmt HomeTotalCostAmount Id "
        "InvoiceEx InvoiceLink InvoiceLinkExpiryDate InvoiceLinkSecurityCode LessCIS Line "
        "LinkedTxn MetaData PONumber PaymentDetailsMessage PaymentMethodRef PaymentRefNum "
        "PaymentType PrintStatus PrivateNote ProjectRef RecurDataRef RecurringInfo RemitToRef "
        "SalesRepRef SalesTermRef SchedulePayEligible ScheduledPaymentId ShipAddr ShipDate "
        "ShipFromAddr ShipMethodRef ShippingTaxIncludedInTotalTax SubscriptionPaymentsSetting "
        "SyncToken Tag TaxExemptionRef TaxFormNum TaxFormType TemplateRef TotalAmt "
        "TotalCostAmount TrackingNum TransactionLocationType TxnApprovalInfo TxnDate TxnSource "
        "TxnStatus TxnTaxDetail callToAction domain invoiceStatus invoiceStatusLog sparse status"
        .split()),
    "CreditMemo": frozenset(
        "ARAccountRef ApplyTaxAfterDiscount AttachableRef AutoDocNumber Balance BillAddr "
        "BillEmail BillEmailBcc BillEmailCc CheckPayment ClassRef CreditCardPayment CreditMemoEx "
        "CurrencyRef CustomField CustomerMemo CustomerRef DeliveryInfo DepartmentRef "
        "DepositToAccountRef DiscountAmt DiscountRate DocNumber DueDate EmailStatus ExchangeRate "
        "FOB FinanceCharge FreeFormAddress GlobalTaxCalculation GovtTxnRefIdentifier HomeBalance "
        "HomeTotalAmt HomeTotalCostAmount Id InvoiceRef Line LinkedTxn MetaData PONumber "
        "PaymentMethodRef PaymentRefNum PaymentType PrintStatus PrivateNote ProjectRef "
        "RecurDataRef RecurringInfo RemainingCredit RemitToRef SalesRepRef SalesTermRef ShipAddr "
        "ShipDate ShipFromAddr ShipMethodRef ShippingTaxIncludedInTotalTax SyncToken Tag "
        "TaxExemptionRef TaxFormNum TaxFormType TemplateRef TotalAmt TotalCostAmount TrackingNum "
        "TransactionLocationType TxnApprovalInfo TxnDate TxnSource TxnStatus TxnTaxDetail domain "
        "sparse status"
        .split()),
    "Payment": frozenset(
        "ARAccountRef AttachableRef CheckPayment CreditCardPayment CurrencyRef CustomField "
        "CustomerRef DepartmentRef DepositToAccountRef DocNumber ExchangeRate HomeTotalCostAmount "
        "Id Line LinkedTxn MetaData PaymentEx PaymentMethodRef PaymentRefNum PaymentType "
        "PrivateNote ProcessPayment ProjectRef RecurDataRef RecurringInfo RemitToRef SyncToken "
        "Tag TaxFormNum TaxFormType TotalAmt TotalCostAmount TransactionLocationType "
        "TxnApprovalInfo TxnDate TxnSource TxnStatus TxnTaxDetail UnappliedAmt domain sparse "
        "status"
        .split()),
    "Item": frozenset(
        "AbatementRate Active AssetAccountRef AttachableRef AvgCost BuildPoint COGSAccountRef "
        "ClassRef CustomField DeferredRevenue DepositToAccountRef Description ExpenseAccountRef "
        "FullyQualifiedName Id IncomeAccountRef InvStartDate ItemAssemblyDetail ItemCategoryType "
        "ItemEx ItemGroupDetail Level ManPartNum MetaData Name ParentRef PaymentMethodRef "
        "PercentBased PrefVendorRef PrintGroupedItems PurchaseCost PurchaseDesc "
        "PurchaseTaxCodeRef PurchaseTaxIncluded QtyOnHand QtyOnPurchaseOrder QtyOnSalesOrder "
        "RatePercent ReorderPoint ReverseChargeRate SalesTaxCodeRef SalesTaxIncluded ServiceType "
        "Sku Source SpecialItem SpecialItemType SubItem SyncToken TaxClassificationRef Taxable "
        "TrackQtyOnHand Type UOMSetRef UQCDisplayText UQCId UnitPrice domain sparse status"
        .split()),
    "Line": frozenset(
        "AccountBasedExpenseLineDetail Amount CostAmount CustomField DepositLineDetail "
        "Description DescriptionLineDetail DetailType DiscountLineDetail GroupLineDetail "
        "HomeCostAmount Id ItemAdjustmentLineDetail ItemBasedExpenseLineDetail "
        "ItemReceiptLineDetail JournalEntryLineDetail LineEx LineNum LinkedTxn PaymentLineDetail "
        "ProjectRef PurchaseOrderItemLineDetail Received ReimburseLineDetail SalesItemLineDetail "
        "SalesOrderItemLineDetail SubTotalLineDetail TDSLineDetail TaxLineDetail"
        .split()),
    "SalesItemLineDetail": frozenset(
        "ClassRef DeferredRevenue DiscountAmt DiscountRate InventorySiteRef ItemAccountRef "
        "ItemRef MarkupInfo PriceLevelRef Qty RatePercent SalesItemLineDetailEx ServiceDate "
        "TaxClassificationRef TaxCodeRef TaxInclusiveAmt UOMRef UnitCostPrice UnitPrice"
        .split()),
}
