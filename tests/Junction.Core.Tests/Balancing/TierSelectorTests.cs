namespace Junction.Balancing.Tests;

public sealed class TierSelectorTests
{
    [Fact]
    public void The_best_tier_with_a_healthy_member_is_active()
    {
        int[] tiers = [1, 1, 2, 5];
        Assert.Equal(1, TierSelector.Active(tiers, [true, false, true, true]));
        Assert.Equal(2, TierSelector.Active(tiers, [false, false, true, true]));
        // A gap in the numbers is fine: 5 is used when 1 and 2 are down.
        Assert.Equal(5, TierSelector.Active(tiers, [false, false, false, true]));
        Assert.Null(TierSelector.Active(tiers, [false, false, false, false]));
    }

    [Fact]
    public void Members_are_the_whole_active_tier_healthy_or_not_and_everyone_when_none_is_healthy()
    {
        int[] tiers = [2, 1, 1, 2];
        Assert.Equal([1, 2], TierSelector.Members(tiers, [true, false, true, true]));
        Assert.Equal([0, 3], TierSelector.Members(tiers, [false, false, false, true]));
        Assert.Equal([0, 1, 2, 3], TierSelector.Members(tiers, [false, false, false, false]));
    }
}
