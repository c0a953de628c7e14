using System;

namespace EvalsPS.Comparison
{
    /// <summary>The exact McNemar test: a two-sided binomial test of b against c with p = 1/2.</summary>
    internal static class McNemar
    {
        /// <summary>
        /// p = min(1, 2 * sum_{i=0..k} C(n, i) / 2^n) with n = b + c and k = min(b, c); 1 when n = 0. The terms grow
        /// with i (k &lt;= n/2), so the sum is kept relative to the current, largest term, by a recurrence whose
        /// values stay between 1 and 2, and only the largest term's logarithm is carried: nothing overflows or
        /// underflows for any count an eval can have.
        /// </summary>
        internal static double ExactPValue(int b, int c)
        {
            if (b < 0 || c < 0) throw new ArgumentOutOfRangeException(b < 0 ? nameof(b) : nameof(c));
            int n = b + c, k = Math.Min(b, c);
            if (n == 0) return 1.0;

            double logTerm = -n * Math.Log(2.0);   // log(C(n, 0) / 2^n)
            double relativeSum = 1.0;               // sum of the terms so far / the current term
            for (int i = 1; i <= k; i++)
            {
                double ratio = (double)(n - i + 1) / i;   // term i / term i-1, at least 1
                logTerm += Math.Log(ratio);
                relativeSum = relativeSum / ratio + 1.0;
            }
            double logP = Math.Log(2.0) + logTerm + Math.Log(relativeSum);
            return logP >= 0 ? 1.0 : Math.Exp(logP);
        }
    }
}
