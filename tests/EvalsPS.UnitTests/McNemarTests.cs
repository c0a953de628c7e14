using System;
using System.Numerics;
using EvalsPS.Comparison;
using Xunit;

namespace EvalsPS.UnitTests
{
    public sealed class McNemarTests
    {
        /// <summary>min(1, 2 * sum_{i&lt;=min(b,c)} C(b+c, i) / 2^(b+c)) in whole numbers, divided once at the end.</summary>
        private static double Exact(int b, int c)
        {
            int n = b + c;
            BigInteger sum = 0, term = 1;
            for (int i = 0; i <= Math.Min(b, c); i++)
            {
                sum += term;
                term = term * (n - i) / (i + 1);
            }
            BigInteger twice = sum * 2, all = BigInteger.Pow(2, n);
            if (twice >= all) return 1.0;
            // Scaled so both fit a double with all their leading digits: the quotient is then good to ~1e-15.
            int shift = Math.Max(0, (int)all.GetBitLength() - 1000);
            return (double)(twice >> shift) / (double)(all >> shift);
        }

        [Theory]
        [InlineData(0, 5, 0.0625)]
        [InlineData(5, 0, 0.0625)]
        [InlineData(1, 9, 0.021484375)]
        [InlineData(5, 5, 1.0)]
        [InlineData(0, 0, 1.0)]
        [InlineData(0, 1, 1.0)]
        public void Known_values(int b, int c, double expected) => Assert.Equal(expected, McNemar.ExactPValue(b, c), 15);

        [Fact]
        public void Agrees_with_the_exact_sum_for_every_count_up_to_200_and_some_large_ones()
        {
            for (int b = 0; b <= 200; b += 7)
                for (int c = 0; c <= 200; c += 5)
                    Close(b, c);
            Close(10, 25);
            Close(400, 500);
            Close(4_000, 4_300);
        }

        [Fact]
        public void Stays_finite_where_the_terms_underflow_a_double()
        {
            // 2^-60000 underflows to 0, and C(60000, 30000) overflows: neither appears in the computation.
            double p = McNemar.ExactPValue(30_000, 30_000);
            Assert.Equal(1.0, p);
            double tiny = McNemar.ExactPValue(29_000, 31_000);
            Assert.False(double.IsNaN(tiny));
            Assert.InRange(tiny, 0.0, 1e-10);
            Assert.True(McNemar.ExactPValue(29_900, 30_100) > tiny);
        }

        private static void Close(int b, int c)
        {
            double exact = Exact(b, c), p = McNemar.ExactPValue(b, c);
            if (exact == 0) Assert.Equal(0.0, p);
            else Assert.True(Math.Abs(p - exact) / exact < 1e-11, $"b={b}, c={c}: {p} vs exact {exact}");
        }
    }
}
