// Tensor views: indexing, slicing and reshaping share the storage at the right offset and shape,
// and refuse what lies outside.
using Engine.Kernels;
using Xunit;

namespace Engine.Tests.Tensors;

public class TensorViewTests
{
    private static Tensor Counting(params int[] shape)
    {
        var k = new ReferenceBackend();
        return k.FromArray(Enumerable.Range(0, ShapeOf.Numel(shape)).Select(i => (float)i).ToArray(), shape);
    }

    [Fact]
    public void Indexing_drops_the_first_axis_at_the_item_offset()
    {
        var x = Counting(4, 2, 3);
        var item = x[2];
        Assert.Equal([2, 3], item.Shape);
        Assert.Equal(6, item.Length);
        Assert.Same(x.Storage, item.Storage);
        Assert.Equal(Enumerable.Range(12, 6).Select(i => (float)i), item.ToArray());
        Assert.Equal([13f, 14f, 15f, 16f, 17f], new[] { x[2][0][1], x[2][0][2], x[2][1][0], x[2][1][1], x[2][1][2] }.Select(t => t.ToArray()[0]));
        Assert.Empty(Counting(3, 0)[1].ToArray());
    }

    [Fact]
    public void A_view_keeps_its_shape_when_the_source_shape_array_changes()
    {
        var x = Counting(4, 2, 3);
        var item = x[1];
        var slice = x.Slice(1, 2);
        x.Shape[1] = 99;   // Shape is the tensor's own array; its views must not share it
        Assert.Equal([2, 3], item.Shape);
        Assert.Equal([2, 2, 3], slice.Shape);
    }

    [Theory, InlineData(-1), InlineData(4)]
    public void Indexing_outside_the_first_axis_is_refused(int index)
    {
        var x = Counting(4, 2);
        var e = Assert.Throws<ArgumentException>(() => x[index]);
        Assert.Contains("outside axis 0", e.Message);
    }

    [Fact]
    public void A_scalar_cannot_be_indexed_or_sliced()
    {
        var s = Counting();
        Assert.Throws<ArgumentException>(() => s[0]);
        Assert.Throws<ArgumentException>(() => s.Slice(0, 1));
    }

    [Fact]
    public void Slices_and_reshapes_are_views_at_the_right_offset()
    {
        var x = Counting(5, 2);
        var slice = x.Slice(1, 3);
        Assert.Equal([3, 2], slice.Shape);
        Assert.Equal([2f, 3f, 4f, 5f, 6f, 7f], slice.ToArray());
        var flat = slice.Reshape(6);
        Assert.Equal(slice.ToArray(), flat.ToArray());
        Assert.Throws<ArgumentException>(() => x.Slice(4, 2));
        Assert.Throws<ArgumentException>(() => x.Reshape(3, 3));
    }
}
