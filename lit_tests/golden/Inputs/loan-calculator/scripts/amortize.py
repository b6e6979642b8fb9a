#!/usr/bin/env python3
"""Amortization schedule of a fixed-rate loan with optional extra monthly payments, in Decimal."""

import argparse
import csv
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def monthly_payment(principal: Decimal, r: Decimal, n: int) -> Decimal:
    if r == 0:
        return (principal / n).quantize(CENT, rounding=ROUND_HALF_UP)
    payment = principal * r / (1 - (1 + r) ** -n)
    return payment.quantize(CENT, rounding=ROUND_HALF_UP)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--principal", required=True, type=Decimal)
    parser.add_argument("--rate", required=True, type=Decimal, help="nominal annual rate in %%")
    parser.add_argument("--years", required=True, type=int)
    parser.add_argument("--extra", default=Decimal("0"), type=Decimal)
    parser.add_argument("--out", default="schedule.csv")
    args = parser.parse_args()

    r = args.rate / Decimal(1200)
    n = args.years * 12
    payment = monthly_payment(args.principal, r, n)
    balance = args.principal
    total_interest = Decimal("0")
    rows = []
    month = 0
    while balance > 0:
        month += 1
        interest = (balance * r).quantize(CENT, rounding=ROUND_HALF_UP)
        principal_part = min(payment + args.extra - interest, balance)
        balance -= principal_part
        total_interest += interest
        rows.append([month, f"{interest + principal_part:.2f}", f"{interest:.2f}", f"{balance:.2f}"])

    with open(args.out, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["month", "payment", "interest", "balance"])
        writer.writerows(rows)
    print(f"monthly payment: {payment:.2f}")
    print(f"months: {month} (of {n})")
    print(f"total interest: {total_interest:.2f}")
    print(f"total paid: {args.principal + total_interest:.2f}")


if __name__ == "__main__":
    main()
