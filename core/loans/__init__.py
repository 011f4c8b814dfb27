"""Loans (issue 8): products, applications, guarantors, disbursement, schedules, repayments, arrears."""
