//! The element-access API: zero-copy slices, copies with byte swapping,
//! F/K layouts, ndarray conversion.

use brinery::Buf;
use brinery_numpy::{Array, ArrayForm, ArrayPickler, ByteOrder, Dtype, Kind, NumpyVersion, Order};

#[test]
fn as_slice_is_zero_copy_only_when_native_and_aligned() {
    let a = Array::from_vec(vec![2, 2], vec![1i32, 2, 3, 4]).unwrap();
    let s = a.as_slice::<i32>();
    // Alignment of the owned buffer decides; the copy always works.
    if let Some(s) = s {
        assert_eq!(s, &[1, 2, 3, 4]);
    }
    assert_eq!(a.to_vec::<i32>().unwrap(), vec![1, 2, 3, 4]);
    assert!(a.to_vec::<f32>().is_err());
    assert!(a.as_slice::<f32>().is_none());
    // Big-endian: no slice, a swapped copy.
    let be = Array::new(
        Dtype::new(Kind::Int, 2, ByteOrder::Big),
        vec![2],
        Order::C,
        Buf::Borrowed(&[0, 1, 1, 0]),
    )
    .unwrap();
    assert!(be.as_slice::<i16>().is_none());
    assert_eq!(be.to_vec::<i16>().unwrap(), vec![1, 256]);
}

#[test]
fn fortran_layout_reads_in_c_order() {
    // [[1, 2, 3], [4, 5, 6]] stored column-major.
    let data: Vec<u8> = [1u8, 4, 2, 5, 3, 6].to_vec();
    let a = Array::new(
        Dtype::new(Kind::UInt, 1, ByteOrder::NotApplicable),
        vec![2, 3],
        Order::F,
        Buf::Owned(data.into()),
    )
    .unwrap();
    assert!(a.is_f_contiguous() && !a.is_c_contiguous());
    assert_eq!(a.strides(), &[1, 2]);
    assert_eq!(a.to_vec::<u8>().unwrap(), vec![1, 2, 3, 4, 5, 6]);
    assert_eq!(a.to_f_bytes().unwrap().as_ref(), &[1, 4, 2, 5, 3, 6]);
    assert_eq!(
        brinery_numpy::array_repr(&a),
        "array([[1, 2, 3],\n       [4, 5, 6]], dtype=uint8)"
    );
    // Pickled (protocol 5): order 'F' with the column-major buffer.
    let mut g = brinery::Graph::new();
    let root = ArrayPickler::new(NumpyVersion::V2)
        .array(&mut g, &a, ArrayForm::FromBuffer)
        .unwrap();
    g.set_root(root);
    let bytes = brinery::dumps(&g, 5).unwrap();
    let back = brinery::loads(&bytes).unwrap();
    let b = Array::from_node(back.root()).unwrap().unwrap();
    assert_eq!(b.order(), Order::F);
    assert_eq!(b.to_vec::<u8>().unwrap(), vec![1, 2, 3, 4, 5, 6]);
}

#[test]
fn arrays_decoded_from_a_slice_borrow_it() {
    let a = Array::from_vec(vec![3], vec![1.0f64, 2.0, 3.0]).unwrap();
    let bytes = brinery_numpy::dumps_array(&a, 4).unwrap();
    let g = brinery::loads(&bytes).unwrap();
    let b = Array::from_node(g.root()).unwrap().unwrap();
    let data = b.bytes().unwrap();
    let range = bytes.as_ptr_range();
    assert!(
        range.contains(&data.as_ptr()),
        "element bytes point into the input"
    );
}

#[cfg(feature = "ndarray")]
#[test]
fn to_ndarray() {
    let a = Array::from_vec(vec![2, 3], vec![1i64, 2, 3, 4, 5, 6]).unwrap();
    let nd = a.to_ndarray::<i64>().unwrap();
    assert_eq!(nd.shape(), &[2, 3]);
    assert_eq!(nd[[1, 2]], 6);
}
